package org.evomerge.plugins.evaluation.lmeval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.evaluation.EvaluationResult;
import org.evomerge.api.evaluation.Evaluator;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.template.JinjaTemplates;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.evaluation.TaskDefinition;
import org.evomerge.engine.evaluation.TaskReferences;
import org.evomerge.engine.evaluation.lmeval.LmEvalTasks;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.tokenizers.JinjaEnvironment;

/**
 * Runs lm-eval task files as the CLI does: the engine resolves the YAML ({@link TaskReferences}), the parameters are
 * validated against the evaluator's schema, and the evaluator scores a {@link ReferenceModel}.
 */
final class LmEvalTesting {

    static final ScratchDirectory SCRATCH = ScratchDirectory.create(null, false);
    static final JinjaTemplates JINJA = JinjaEnvironment.forTaskTemplates();

    private LmEvalTesting() {
    }

    static Path write(Path folder, String name, String text) {
        try {
            Path file = folder.resolve(name);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RunContext context(LanguageModel model, Tokenizer tokenizer) {
        InferenceEngine engine = new InferenceEngine() {
            @Override
            public LanguageModel load(Model m) {
                return model;
            }

            @Override
            public Optional<Tokenizer> tokenizer(Model m) {
                return Optional.of(tokenizer);
            }
        };
        return new DefaultRunContext(new SeededRandomSource(1), new ReferenceBackend(), ProgressReporter.SILENT,
                SCRATCH, 1, Map.of(InferenceEngine.class, engine, JinjaTemplates.class, JINJA));
    }

    static Model model() {
        ModelConfig config = new ModelConfig(Map.of(), Map.of("architectures", List.of("LlamaForCausalLM"),
                "model_type", "llama", "num_hidden_layers", 1, "hidden_size", 2, "intermediate_size", 2,
                "num_attention_heads", 1, "vocab_size", 128, "rope_theta", 10000.0, "rms_norm_eps", 1e-5));
        return InMemoryModel.of(config, List.of(InMemoryTensor.ofFloats("w", Shape.of(2), 1f, 2f)));
    }

    /** The task's parameters as the engine resolves them from its YAML file, plus {@code extra}. */
    static Map<String, Object> parameters(Path yaml, Map<String, ?> extra) {
        TaskDefinition task = TaskReferences.resolve(yaml.toString(), yaml.getParent(), new LmEvalTasks(List.of()))
                .orElseThrow().getFirst();
        Map<String, Object> raw = new LinkedHashMap<>(task.parameters());
        raw.putAll(extra);
        return raw;
    }

    static Evaluator evaluator(Path yaml, Map<String, ?> extra, ReferenceModel model, Tokenizer tokenizer) {
        LmEvalEvaluatorFactory factory = new LmEvalEvaluatorFactory();
        return factory.create(ParameterValidator.validate(factory.descriptor(), parameters(yaml, extra)),
                context(model, tokenizer));
    }

    static EvaluationResult evaluate(Path yaml, Map<String, ?> extra, ReferenceModel model, Tokenizer tokenizer) {
        try (Evaluator evaluator = evaluator(yaml, extra, model, tokenizer); Model m = model()) {
            return evaluator.evaluate(m);
        }
    }

    static EvaluationResult evaluate(Path yaml, Map<String, ?> extra, ReferenceModel model) {
        return evaluate(yaml, extra, model, new ReferenceTokenizer());
    }

    /** {@code [BOS] + text}: how lm-eval encodes a context with the tokenizer's special tokens. */
    static int[] withBos(String text) {
        int[] tokens = ReferenceTokenizer.tokens(text);
        int[] result = new int[tokens.length + 1];
        result[0] = ReferenceTokenizer.BOS;
        System.arraycopy(tokens, 0, result, 1, tokens.length);
        return result;
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** lm-eval's {@code mean_stderr}: sample standard deviation over √n. */
    static double meanStderr(double[] values) {
        double mu = mean(values);
        double sum = 0;
        for (double v : values) {
            sum += (v - mu) * (v - mu);
        }
        return Math.sqrt(sum / (values.length - 1)) / Math.sqrt(values.length);
    }
}
