package org.evomerge.plugins.mutation;

import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * Gaussian mutation of recipe parameters: each gene changes with probability {@code probability} (0 means 1/n) by a
 * normal step of standard deviation {@code sigma} times its dimension's side length, then is clipped or reflected into
 * the bounds. At least one gene always changes, so a mutation never returns its parent. Without bounds in the input,
 * {@code sigma} is an absolute standard deviation and values are unbounded.
 */
@Extension
public class GaussianMutationFactory extends DescribedMutationFactory {

    public GaussianMutationFactory() {
        super("gaussian", "Gaussian steps on recipe parameters, scaled to each bound, clipped or reflected.",
                ParameterSchema.of(
                        ParameterSpec.number("sigma", 0.1, 0.0, 10.0,
                                "standard deviation as a fraction of each box side"),
                        ParameterSpec.number("probability", 0.0, 0.0, 1.0, "chance each gene changes; 0: 1/n"),
                        ParameterSpec.choice("boundary", "reflect", List.of("reflect", "clip"),
                                "how values leaving the bounds are brought back")),
                Set.of(Capability.RANDOMIZED, Capability.PARAMETER_GENOMES));
    }

    @Override
    public Mutation create(Parameters parameters, RunContext context) {
        double sigma = parameters.number("sigma");
        double probability = parameters.number("probability");
        BoundedStep boundary = BoundedStep.of(parameters.string("boundary"));
        return new TypedMutation<>(ParameterGenome.class, "gaussian mutates parameter genomes") {
            @Override
            Genome mutate(ParameterGenome parent, MutationInput input) {
                SearchSpace space = input.space();
                double[] x = parent.values();
                BoundedStep.check(space, x.length, "gaussian");
                RandomGenerator random = input.random().generator();
                double rate = probability > 0 ? probability : 1.0 / x.length;
                int forced = random.nextInt(x.length);
                for (int i = 0; i < x.length; i++) {
                    // Draw both numbers for every gene so gene i's step does not depend on which others changed.
                    boolean change = random.nextDouble() < rate || i == forced;
                    double step = sigma * BoundedStep.width(space, i) * random.nextGaussian();
                    if (change) {
                        x[i] = boundary.apply(space, i, x[i] + step);
                    }
                }
                return new ParameterGenome(x);
            }
        };
    }
}
