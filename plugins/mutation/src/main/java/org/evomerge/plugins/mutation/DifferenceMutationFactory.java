package org.evomerge.plugins.mutation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * DE-style difference mutation: child = x + F·(y − z), x the parent and y, z two distinct members of the population
 * other than the parent, drawn uniformly from {@code input.random()}. Parameter genomes are then clipped or reflected
 * into the bounds; whole models are combined tensor by tensor through {@link ModelStore#combine} (deterministic, no
 * randomness inside a tensor).
 */
@Extension
public class DifferenceMutationFactory extends DescribedMutationFactory {

    static final String ID = "de-difference";

    public DifferenceMutationFactory() {
        super(ID, "x + F (y - z) with y, z two other population members (parameters or models).",
                ParameterSchema.of(
                        ParameterSpec.number("f", 0.5, 0.0, 2.0, "differential weight F"),
                        ParameterSpec.choice("boundary", "reflect", List.of("reflect", "clip"),
                                "parameter genomes: how values leaving the bounds are brought back")),
                Set.of(Capability.RANDOMIZED, Capability.PARAMETER_GENOMES, Capability.MODEL_GENOMES));
    }

    @Override
    public Mutation create(Parameters parameters, RunContext context) {
        double f = parameters.number("f");
        BoundedStep boundary = BoundedStep.of(parameters.string("boundary"));
        Optional<ModelStore> store = context.service(ModelStore.class);
        return new Mutation() {
            @Override
            public boolean accepts(Genome genome) {
                return genome instanceof ParameterGenome || genome instanceof ModelGenome;
            }

            @Override
            public Genome mutate(MutationInput input) {
                Genome parent = input.parent();
                // Distinct partners of the parent's type, in population order, so the draw depends on the seed only.
                Set<Genome> distinct = new LinkedHashSet<>();
                for (Genome member : input.population()) {
                    if (!member.equals(parent) && member.getClass() == parent.getClass()) {
                        distinct.add(member);
                    }
                }
                List<Genome> partners = new ArrayList<>(distinct);
                if (partners.size() < 2) {
                    throw new IllegalArgumentException(ID + " needs two population members other than the parent, got "
                            + partners.size());
                }
                RandomGenerator random = input.random().generator();
                int a = random.nextInt(partners.size());
                int b = random.nextInt(partners.size() - 1);
                if (b >= a) {
                    b++;
                }
                Genome y = partners.get(a);
                Genome z = partners.get(b);
                return switch (parent) {
                    case ParameterGenome x -> difference(x, (ParameterGenome) y, (ParameterGenome) z, input.space());
                    case ModelGenome x -> ModelStores.require(store, ID).combine(
                            List.of(x, (ModelGenome) y, (ModelGenome) z), (name, shape, values) -> {
                                float[] out = values.get(0);
                                float[] yv = values.get(1);
                                float[] zv = values.get(2);
                                for (int e = 0; e < out.length; e++) {
                                    out[e] = (float) (out[e] + f * ((double) yv[e] - zv[e]));
                                }
                                return out;
                            }, ID);
                    default -> throw new IllegalArgumentException(ID + " cannot mutate " + parent);
                };
            }

            private Genome difference(ParameterGenome x, ParameterGenome y, ParameterGenome z, SearchSpace space) {
                double[] v = x.values();
                if (y.size() != v.length || z.size() != v.length) {
                    throw new IllegalArgumentException(ID + ": population members differ in size from the parent");
                }
                BoundedStep.check(space, v.length, ID);
                for (int i = 0; i < v.length; i++) {
                    v[i] = boundary.apply(space, i, v[i] + f * (y.get(i) - z.get(i)));
                }
                return new ParameterGenome(v);
            }
        };
    }
}
