package org.evomerge.plugins.evaluation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.inference.InferenceEngine;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.inference.Tokenizer;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;

/** Run contexts whose inference engine hands out a {@link TableLanguageModel}, and helpers to write datasets. */
final class FakeInference {

    static final ScratchDirectory SCRATCH = ScratchDirectory.create(null, false);

    private FakeInference() {
    }

    static InferenceEngine engine(TableLanguageModel model, boolean withTokenizer) {
        return new InferenceEngine() {
            @Override
            public LanguageModel load(Model m) {
                model.closed = false;
                return model;
            }

            @Override
            public Optional<Tokenizer> tokenizer(Model m) {
                return withTokenizer ? Optional.of(new CharTokenizer()) : Optional.empty();
            }
        };
    }

    static RunContext context(TableLanguageModel model, boolean withTokenizer) {
        return new DefaultRunContext(new SeededRandomSource(1), new ReferenceBackend(), ProgressReporter.SILENT,
                SCRATCH, 1, Map.of(InferenceEngine.class, engine(model, withTokenizer)));
    }

    static RunContext contextWithoutEngine() {
        return new DefaultRunContext(new SeededRandomSource(1), new ReferenceBackend(), ProgressReporter.SILENT,
                SCRATCH, 1, Map.of());
    }

    static Model model() {
        ModelConfig config = new ModelConfig(Map.of(), Map.of("architectures", List.of("LlamaForCausalLM"),
                "model_type", "llama", "num_hidden_layers", 1, "hidden_size", 2, "intermediate_size", 2,
                "num_attention_heads", 1, "vocab_size", 128, "rope_theta", 10000.0, "rms_norm_eps", 1e-5));
        return InMemoryModel.of(config, List.of(InMemoryTensor.ofFloats("w", Shape.of(2), 1f, 2f)));
    }

    static Path jsonl(Path folder, String name, String... lines) {
        try {
            return Files.writeString(folder.resolve(name), String.join("\n", lines) + "\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
