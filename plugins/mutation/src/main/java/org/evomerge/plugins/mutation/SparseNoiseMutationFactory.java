package org.evomerge.plugins.mutation;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * Sparse seeded weight-space noise on whole models: each weight is perturbed with probability {@code density} by a
 * normal step of standard deviation {@code sigma}, relative to the tensor's root mean square unless {@code relative}
 * is off, written as a new individual through {@link ModelStore#combine}.
 *
 * <p>Reproducible and independent of the thread count and tensor order: element e of tensor T draws its coin and its
 * two Box–Muller uniforms from the counters 3e, 3e+1, 3e+2 of {@code input.random().fork(T)}, a pure function of the
 * seed, the tensor name and the element index.
 */
@Extension
public class SparseNoiseMutationFactory extends DescribedMutationFactory {

    static final String ID = "sparse-noise";

    public SparseNoiseMutationFactory() {
        super(ID, "Seeded sparse Gaussian noise on a fraction of a model's weights.",
                ParameterSchema.of(
                        ParameterSpec.number("density", 0.01, 0.0, 1.0, "fraction of weights perturbed"),
                        ParameterSpec.number("sigma", 0.01, 0.0, null,
                                "noise standard deviation (times the tensor's RMS when relative)"),
                        ParameterSpec.bool("relative", true, "scale the noise by each tensor's root mean square"),
                        new ParameterSpec("exclude", ParameterType.STRING, "", null, null, List.of(), false,
                                ParameterScope.GLOBAL, "tensors whose name matches this regular expression are kept")),
                Set.of(Capability.RANDOMIZED, Capability.MODEL_GENOMES));
    }

    @Override
    public Mutation create(Parameters parameters, RunContext context) {
        double density = parameters.number("density");
        double sigma = parameters.number("sigma");
        boolean relative = parameters.bool("relative");
        Pattern exclude = ModelStores.pattern(ID, parameters.string("exclude"));
        Optional<ModelStore> store = context.service(ModelStore.class);
        return new TypedMutation<>(ModelGenome.class, ID + " mutates whole models") {
            @Override
            Genome mutate(ModelGenome parent, MutationInput input) {
                RandomSource random = input.random();
                return ModelStores.require(store, ID).combine(List.of(parent), (name, shape, values) -> {
                    float[] w = values.getFirst();
                    if (exclude != null && exclude.matcher(name).find()) {
                        return w;
                    }
                    double scale = sigma * (relative ? rootMeanSquare(w) : 1);
                    RandomSource tensor = random.fork(name);
                    for (int e = 0; e < w.length; e++) {
                        long counter = 3L * e;
                        if (tensor.uniform(counter) < density) {
                            w[e] = (float) (w[e] + scale * gaussian(tensor, counter + 1));
                        }
                    }
                    return w;
                }, ID);
            }
        };
    }

    /** A standard normal value from the counter-based uniforms at {@code counter} and {@code counter + 1}. */
    static double gaussian(RandomSource random, long counter) {
        double u1 = 1 - random.uniform(counter); // in (0, 1], so the logarithm is finite
        double u2 = random.uniform(counter + 1);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    static double rootMeanSquare(float[] w) {
        double sum = 0;
        for (float v : w) {
            sum += (double) v * v;
        }
        return w.length == 0 ? 0 : Math.sqrt(sum / w.length);
    }
}
