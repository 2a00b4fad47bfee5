package org.evomerge.plugins.mutation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.testkit.InMemoryModelStore;
import org.evomerge.testkit.MutationContract;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Nested;

/** Every mutation of this plugin passes the test kit's mutation contract, on each genome type it declares. */
class MutationContractsTest {

    /** A model of two tensors with 2000 and 300 values: enough that sparse noise at 1% always changes something. */
    static ModelGenome model(InMemoryModelStore store, float offset) {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        float[] w = new float[2000];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i) + offset;
        }
        float[] b = new float[300];
        for (int i = 0; i < b.length; i++) {
            b[i] = i * 0.01f - offset;
        }
        tensors.put("layers.0.mlp.weight", w);
        tensors.put("layers.0.mlp.bias", b);
        return store.add("model" + offset, tensors);
    }

    @Nested
    class Gaussian extends MutationContract {
        @Override
        protected MutationFactory factory() {
            return new GaussianMutationFactory();
        }

        @Override
        protected Genome parent() {
            return new ParameterGenome(new double[] {0.5, 0.2, 0.9});
        }
    }

    @Nested
    class SparseNoise extends MutationContract {
        private final InMemoryModelStore store = new InMemoryModelStore();

        @Override
        protected MutationFactory factory() {
            return new SparseNoiseMutationFactory();
        }

        @Override
        protected RunContext context(long seed) {
            return TestRunContexts.seeded(seed, Map.of(ModelStore.class, store));
        }

        @Override
        protected Genome parent() {
            return model(store, 0);
        }
    }

    @Nested
    class DifferenceOnParameters extends MutationContract {
        @Override
        protected MutationFactory factory() {
            return new DifferenceMutationFactory();
        }

        @Override
        protected Genome parent() {
            return new ParameterGenome(new double[] {0.5, 0.2, 0.9});
        }

        @Override
        protected List<Genome> population() {
            return List.of(parent(), new ParameterGenome(new double[] {0.1, 0.1, 0.1}),
                    new ParameterGenome(new double[] {0.3, 0.7, 0.2}), new ParameterGenome(new double[] {0.9, 0.4, 0.6}));
        }
    }

    @Nested
    class DifferenceOnModels extends MutationContract {
        private final InMemoryModelStore store = new InMemoryModelStore();

        @Override
        protected MutationFactory factory() {
            return new DifferenceMutationFactory();
        }

        @Override
        protected RunContext context(long seed) {
            return TestRunContexts.seeded(seed, Map.of(ModelStore.class, store));
        }

        @Override
        protected Genome parent() {
            return model(store, 0);
        }

        @Override
        protected List<Genome> population() {
            return List.of(parent(), model(store, 1), model(store, 2), model(store, 5));
        }
    }
}
