package org.evomerge.plugins.merge;

import static org.evomerge.plugins.merge.ArrayTolerance.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.Map;
import java.util.SplittableRandom;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.testkit.MergeMethodContract;
import org.junit.jupiter.api.Test;

/** The merge-method contract plus cases of {@code passthrough} (ALGORITHMS.md B.13). */
class PassthroughMergeFactoryTest extends MergeMethodContract {

    @Override
    protected MergeMethodFactory factory() {
        return new PassthroughMergeFactory();
    }

    @Override
    protected int modelCount() {
        return 1;
    }

    @Test
    void copiesTheTensorWithTheDefaultScale() {
        float[] x = gaussian(new SplittableRandom(16), 100, 1);
        float[] merged = MergeInvocation.of(new PassthroughMergeFactory()).model(x).run();
        assertArrayEquals(x, merged);
        assertNotSame(x, merged);
    }

    @Test
    void multipliesByTheModelsScaleInFloat32() {
        float[] x = {1, -2, 3.5f};
        assertArrayEquals(new float[] {0.5f, -1, 1.75f},
                MergeInvocation.of(new PassthroughMergeFactory()).model(x, Map.of("scale", 0.5)).run());
        float[] y = gaussian(new SplittableRandom(17), 50, 1);
        float[] expected = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            expected[i] = y[i] * 0.1f; // the scale is rounded to float32 first, as in mergekit's float32 tensors
        }
        assertArrayEquals(expected,
                MergeInvocation.of(new PassthroughMergeFactory()).model(y, Map.of("scale", 0.1)).run());
    }

    @Test
    void aLoneBaseIsPassedThrough() {
        float[] base = {4, 5};
        assertArrayEquals(base, MergeInvocation.of(new PassthroughMergeFactory()).base(base).run());
    }

    @Test
    void refusesMoreThanOneInput() {
        MergeInvocation.of(new PassthroughMergeFactory()).model(new float[] {1}).model(new float[] {2}).refused();
        MergeInvocation.of(new PassthroughMergeFactory()).model(new float[] {1}).base(new float[] {2}).refused();
    }
}
