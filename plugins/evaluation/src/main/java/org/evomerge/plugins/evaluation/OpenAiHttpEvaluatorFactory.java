package org.evomerge.plugins.evaluation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * Any of the dataset tasks ({@code task}: perplexity, multiple-choice, generation, classification) scored by an
 * OpenAI-compatible server that serves the candidate (vLLM, llama.cpp's server). The request's {@code model} is
 * {@code served_model}, or the evaluated model's path when that is empty (vLLM's default served name).
 */
@Extension
public class OpenAiHttpEvaluatorFactory implements EvaluatorFactory {

    private static final ExtensionDescriptor DESCRIPTOR = descriptor0();

    private static ExtensionDescriptor descriptor0() {
        List<ParameterSpec> specs = new ArrayList<>();
        specs.add(TaskKind.string("url", null, "the server's base URL, e.g. http://localhost:8000").asRequired());
        specs.add(ParameterSpec.choice("task", "multiple-choice", List.of("perplexity", "multiple-choice",
                "generation", "classification"), "what to score"));
        specs.add(TaskKind.string("served_model", "", "the request's model name (empty: the model's path)"));
        specs.add(ParameterSpec.number("timeout_seconds", 120, 0.001, null, "per request"));
        specs.add(ParameterSpec.integer("retries", 3, 0L, 20L, "retries after timeouts, connection errors, 429, 5xx"));
        specs.add(ParameterSpec.number("backoff_seconds", 1, 0.0, 600.0, "first retry delay, doubled each time"));
        specs.add(TaskKind.string("api_key_env", "", "environment variable holding a bearer token"));
        specs.addAll(DatasetParameters.specs());
        for (TaskKind kind : TaskKind.values()) {
            specs.addAll(kind.specs());
        }
        return new ExtensionDescriptor("openai-http", "1.0.0", ExtensionKind.EVALUATOR,
                "A dataset task scored by an OpenAI-compatible completions server (logprobs with echo, generation).",
                new ParameterSchema(specs), Set.of(Capability.EXTERNAL));
    }

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public Evaluator create(Parameters parameters, RunContext context) {
        TaskKind kind = TaskKind.fromId(parameters.string("task")).orElseThrow();
        EvaluationTask task = kind.task(parameters, "openai-http");
        String keyVariable = parameters.string("api_key_env");
        Optional<String> key = Optional.empty();
        if (!keyVariable.isEmpty()) {
            String value = System.getenv(keyVariable);
            if (value == null || value.isBlank()) {
                throw EvomergeException.configuration("openai-http: parameter 'api_key_env' names " + keyVariable
                        + ", which is not set");
            }
            key = Optional.of(value);
        }
        OpenAiCompletionsClient client;
        try {
            client = new OpenAiCompletionsClient(parameters.string("url"),
                    Duration.ofMillis(Math.round(parameters.number("timeout_seconds") * 1000)),
                    (int) parameters.integer("retries"),
                    Duration.ofMillis(Math.round(parameters.number("backoff_seconds") * 1000)), key);
        } catch (IllegalArgumentException e) {
            throw EvomergeException.configuration("openai-http: parameter 'url' is not a URL: "
                    + parameters.string("url"));
        }
        List<DatasetRecord> records = DatasetParameters.load(parameters);
        task.check(records);
        String served = parameters.string("served_model");
        return new Evaluator() {
            @Override
            public EvaluationResult evaluate(Model model) {
                String name = !served.isEmpty() ? served : model.location().map(Object::toString).orElseThrow(() ->
                        EvomergeException.configuration("openai-http: the model is held in memory; set"
                                + " 'served_model' to the name the server knows it by"));
                return task.run(new OpenAiScoringModel(client, name), records);
            }
        };
    }
}
