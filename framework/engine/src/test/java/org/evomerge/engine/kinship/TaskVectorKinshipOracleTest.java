package org.evomerge.engine.kinship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.Shape;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.kinship.KinshipCalculator.NamedModel;
import org.junit.jupiter.api.Test;

class TaskVectorKinshipOracleTest {

    private static final Model BASE = new ModelBuilder().tensor("w", Shape.of(4), 0, 0, 0, 0).build();
    private static final ModelGenome A = new ModelGenome(Path.of("a"), "ha");
    private static final ModelGenome B = new ModelGenome(Path.of("b"), "hb");
    private static final ModelGenome SAME_AS_BASE = new ModelGenome(Path.of("c"), "hc");
    private static final Map<Genome, Model> MODELS = Map.of(
            A, new ModelBuilder().tensor("w", Shape.of(4), 1, 2, 3, 4).build(),
            B, new ModelBuilder().tensor("w", Shape.of(4), 1, 0, 3, 0).build(),
            SAME_AS_BASE, new ModelBuilder().tensor("w", Shape.of(4), 0, 0, 0, 0).build());

    private final AtomicInteger opened = new AtomicInteger();

    private TaskVectorKinshipOracle oracle(KinshipMetric metric) {
        return new TaskVectorKinshipOracle(new KinshipCalculator(new ReferenceBackend(), 1),
                new NamedModel("base", BASE), genome -> {
                    Model m = MODELS.get(genome);
                    if (m == null) {
                        throw new IllegalArgumentException("no model for " + genome);
                    }
                    opened.incrementAndGet();
                    return m;
                }, metric, KinshipPrecision.FULL);
    }

    @Test
    void givesTheCalculatorsValueSymmetricallyAndCachesPairs() {
        TaskVectorKinshipOracle oracle = oracle(KinshipMetric.COSINE);
        // a = [1,2,3,4], b = [1,0,3,0]: ⟨a,b⟩ = 10, ‖a‖² = 30, ‖b‖² = 10.
        double expected = 10 / Math.sqrt(300);
        assertEquals(expected, oracle.kinship(A, B), 1e-12);
        assertEquals(2, opened.get());
        assertEquals(expected, oracle.kinship(B, A), 1e-12);
        assertEquals(2, opened.get(), "the pair was cached");
    }

    @Test
    void distancesAreNegatedAndUndefinedValuesAreZero() {
        // a − b = [0,2,0,4]: distance √20, offered as −√20 so that higher stays closer.
        assertEquals(-Math.sqrt(20), oracle(KinshipMetric.EUCLIDEAN).kinship(A, B), 1e-12);
        assertEquals(0, oracle(KinshipMetric.PCC).kinship(A, SAME_AS_BASE));
    }

    @Test
    void genomesItCannotOpenAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> oracle(KinshipMetric.PCC).kinship(A, new ParameterGenome(new double[] {1})));
        assertThrows(IllegalArgumentException.class, () -> TaskVectorKinshipOracle.forModelGenomes(
                new KinshipCalculator(new ReferenceBackend(), 1), new NamedModel("base", BASE), null,
                KinshipMetric.PCC).kinship(new ParameterGenome(new double[] {1}), A));
    }
}
