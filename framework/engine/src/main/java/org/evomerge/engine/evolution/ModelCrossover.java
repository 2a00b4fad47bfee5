package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.merge.WholeTensorMerge;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.tensor.TensorReader;

/** Crossover of whole models through the run's merge method, as the model store's tensor combiner. */
final class ModelCrossover {

    private ModelCrossover() {
    }

    /**
     * @param models the run's opened input models by reference
     * @param base   the base model's reference, if the run has one
     */
    static BiFunction<List<Genome>, RandomSource, Genome> of(RunFile run, RegisteredExtension method, ModelStore store,
                                                             Map<String, Model> models, Optional<String> base,
                                                             RunContext context) {
        ExtensionDescriptor d = method.descriptor();
        Map<String, Object> raw = run.genome().methodParameters();
        Parameters global = RunExtensions.validate(d, raw, EnumSet.of(ParameterScope.GLOBAL), run,
                "genome.method_parameters");
        Parameters perModel = RunExtensions.validate(d, raw, EnumSet.of(ParameterScope.PER_MODEL), run,
                "genome.method_parameters");
        Parameters perTensor = RunExtensions.validate(d, raw, EnumSet.of(ParameterScope.PER_TENSOR), run,
                "genome.method_parameters");
        MergeMethod merge = ((MergeMethodFactory) method.factory()).create(global, context);
        boolean usesBase = d.has(Capability.REQUIRES_BASE_MODEL) || d.has(Capability.ACCEPTS_BASE_MODEL);
        if (d.has(Capability.REQUIRES_BASE_MODEL) && !d.has(Capability.EXACTLY_TWO_MODELS) && base.isEmpty()) {
            throw EvomergeException.configuration(run.where("genome.merge_method") + ": 'base_model' is missing;"
                    + " crossover method '" + d.id() + "' needs one");
        }
        if (d.has(Capability.LAYER_STACKING)) {
            throw EvomergeException.configuration(run.where("genome.merge_method") + ": 'genome.merge_method': '"
                    + d.id() + "' cannot combine whole models");
        }
        Optional<Model> baseModel = usesBase ? base.map(models::get) : Optional.empty();
        TensorReader reader = new TensorReader(context.compute().codecs());
        return (parents, random) -> {
            List<ModelGenome> individuals = new ArrayList<>();
            for (Genome g : parents) {
                if (!(g instanceof ModelGenome m)) {
                    throw new IllegalArgumentException("model crossover needs whole-model genomes, got " + g);
                }
                individuals.add(m);
            }
            // Two-model methods (SLERP) interpolate between the parents, the first parent as the base (EvoMerge's
            // convention); task-vector methods take the run's base model.
            boolean betweenParents = d.has(Capability.EXACTLY_TWO_MODELS) && individuals.size() == 2;
            return store.combine(individuals, (name, shape, values) -> {
                List<InputModel> tensors = new ArrayList<>();
                for (int i = betweenParents ? 1 : 0; i < values.size(); i++) {
                    tensors.add(new InputModel("parent" + i, perModel));
                }
                float[][] modelValues = values.subList(betweenParents ? 1 : 0, values.size()).toArray(float[][]::new);
                if (betweenParents) {
                    return WholeTensorMerge.merge(merge, d.id(), new MergeInput(name, shape, tensors,
                            Optional.of(new InputModel("parent0", perModel)), perTensor, random.fork(name)),
                            modelValues, values.get(0));
                }
                float[] baseValues = baseModel.flatMap(b -> b.tensors().find(name).map(info -> {
                    float[] v = new float[Math.toIntExact(info.shape().elementCount())];
                    reader.readWhole(b.tensors().tensor(name), info.dtype(), v);
                    return v;
                })).orElse(null);
                Optional<InputModel> baseTensor = Optional.ofNullable(baseValues)
                        .map(v -> new InputModel("base", Parameters.EMPTY));
                return WholeTensorMerge.merge(merge, d.id(), new MergeInput(name, shape, tensors, baseTensor,
                        perTensor, random.fork(name)), modelValues, baseValues);
            }, "crossover:" + d.id());
        };
    }
}
