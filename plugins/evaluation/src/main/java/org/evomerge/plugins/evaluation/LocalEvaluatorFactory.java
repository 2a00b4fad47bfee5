package org.evomerge.plugins.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;

/**
 * An evaluator that runs the model in-process through the run's {@link InferenceEngine}: the dataset is read and
 * checked once when the evaluator is created, and each {@code evaluate} loads the model, scores every record and
 * releases it.
 */
public abstract class LocalEvaluatorFactory implements EvaluatorFactory {

    private final TaskKind kind;
    private final ExtensionDescriptor descriptor;

    protected LocalEvaluatorFactory(TaskKind kind, String description, Set<Capability> capabilities) {
        this.kind = kind;
        List<ParameterSpec> specs = new ArrayList<>(DatasetParameters.specs());
        specs.addAll(kind.specs());
        specs.add(ParameterSpec.integer("max_length", 0, 0L, (long) Integer.MAX_VALUE,
                "longest sequence scored at once, in tokens (0: the model's maximum)"));
        this.descriptor = new ExtensionDescriptor(kind.id(), "1.0.0", ExtensionKind.EVALUATOR, description,
                new ParameterSchema(specs), capabilities);
    }

    @Override
    public final ExtensionDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public final Evaluator create(Parameters parameters, RunContext context) {
        InferenceEngine engine = context.service(InferenceEngine.class).orElseThrow(() -> new EvomergeException(
                ErrorCategory.CONFIGURATION, kind.id() + ": this evomerge has no inference engine to run models with"));
        EvaluationTask task = kind.task(parameters, kind.id());
        List<DatasetRecord> records = DatasetParameters.load(parameters);
        task.check(records);
        int maxLength = (int) parameters.integer("max_length");
        String id = kind.id();
        return new Evaluator() {
            @Override
            public EvaluationResult evaluate(Model model) {
                try (LanguageModel language = engine.load(model)) {
                    return task.run(new LocalScoringModel(language, engine.tokenizer(model), maxLength, id), records);
                }
            }
        };
    }
}
