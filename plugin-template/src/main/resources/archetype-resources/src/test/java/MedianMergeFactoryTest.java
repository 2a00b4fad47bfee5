package ${package};

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.tensor.Shape;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/**
 * The test kit's merge-method contract (every element written, no NaN, inputs untouched, determinism, identity on equal
 * inputs, one merge pass, the same result for any block size) plus hand-worked medians.
 */
class MedianMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new MedianMergeFactory();
    }

    @Test
    void takesTheMiddleValueOfAnOddNumberOfModels() {
        float[] merged = merge(Shape.of(2), List.of(new float[] {1, -4}, new float[] {5, 0}, new float[] {3, 9}),
                Optional.empty());
        assertArrayEquals(new float[] {3, 0}, merged);
    }

    @Test
    void averagesTheTwoMiddleValuesOfAnEvenNumberOfModels() {
        float[] merged = merge(Shape.of(1), List.of(new float[] {1}, new float[] {2}, new float[] {3}, new float[] {4}),
                Optional.empty());
        assertArrayEquals(new float[] {2.5f}, merged);
    }

    @Test
    void mergesTaskVectorsWhenABaseIsGiven() {
        // Task vectors: {+1, +2, +10} -> median +2; base 10 -> 12; with scale 0.5 -> 11.
        List<float[]> models = List.of(new float[] {11}, new float[] {12}, new float[] {20});
        assertArrayEquals(new float[] {12}, merge(Shape.of(1), models, Optional.of(new float[] {10})));
        scale = 0.5;
        assertArrayEquals(new float[] {11}, merge(Shape.of(1), models, Optional.of(new float[] {10})));
    }

    private double scale = 1.0;

    @Override
    protected Map<String, Object> tensorParameters() {
        return Map.of("scale", scale);
    }
}
