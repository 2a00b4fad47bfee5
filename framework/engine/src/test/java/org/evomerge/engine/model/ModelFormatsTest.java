package org.evomerge.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.TensorSource;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model folder without config.json is named as such, instead of failing later for a reason that hides it. */
class ModelFormatsTest {

    @TempDir
    Path temp;

    /** What a Hugging Face folder without config.json shows: layers from tensor names, no lm_head. */
    private static final ModelConfig NOT_STATED = new ModelConfig(Map.of(),
            Map.of("num_hidden_layers", 4, "tie_word_embeddings", true));

    private static Model opened(Path location, ModelConfig config) {
        return new InMemoryModel("safetensors", Optional.ofNullable(location), config, InMemoryTensors.of(List.of()),
                List.of(), () -> { });
    }

    @Test
    void aFolderWithoutConfigJsonIsAnInputErrorNamingFolderAndFile() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("model"));
        Files.write(folder.resolve("model.safetensors"), new byte[16]);
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> ModelFormats.requireConfig(opened(folder, NOT_STATED)));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(folder + " has no config.json (a Hugging Face model folder needs one: it states the model's"
                + " architecture and sizes)", e.getMessage());
        assertEquals(Optional.of(folder.resolve("model.safetensors") + " has no config.json beside it (a model file"
                        + " without its own configuration takes the architecture and sizes from the config.json of its"
                        + " folder)"), ModelFormats.missingConfig(opened(folder.resolve("model.safetensors"), NOT_STATED)));
    }

    @Test
    void aModelThatStatesItsConfigurationLacksNothing() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("with-config"));
        Files.writeString(folder.resolve("config.json"), "{}");
        assertEquals(Optional.empty(), ModelFormats.missingConfig(opened(folder, NOT_STATED)));
        ModelConfig fromMetadata = ModelConfig.of(Map.of("model_type", "llama"));
        Path gguf = Files.write(temp.resolve("model.gguf"), new byte[16]);
        assertEquals(Optional.empty(), ModelFormats.missingConfig(opened(gguf, fromMetadata)));
        assertEquals(Optional.empty(), ModelFormats.missingConfig(opened(null, NOT_STATED)));
    }

    /** A writable format with one setting, {@code out_type}, that it reports back through {@code recognizes}. */
    private static final class SettingFormat implements ModelFormatFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("gguf", "1.0.0", ExtensionKind.MODEL_FORMAT, "test",
                    new ParameterSchema(List.of(ParameterSpec.choice("out_type", "auto", List.of("auto", "q8_0"),
                            "type"))), Set.of(Capability.WRITABLE));
        }

        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            String outType = parameters.string("out_type");
            return new ModelFormat() {
                @Override
                public boolean recognizes(Path path) {
                    return path.getFileName().toString().equals(outType);
                }

                @Override
                public Model open(Path path) {
                    throw new UnsupportedOperationException();
                }
            };
        }
    }

    @Test
    void anOutputFormatIsCreatedWithItsSettingsValidatedAgainstItsSchema() throws IOException {
        ExtensionCatalog catalog = new ExtensionCatalog();
        catalog.register(new SettingFormat(), "tests");
        ModelFormats formats = ModelFormats.from(catalog, new DefaultRunContext(new SeededRandomSource(1),
                new ReferenceBackend(), ProgressReporter.SILENT, ScratchDirectory.create(temp, false), 1, Map.of()));
        assertEquals(true, formats.configured("gguf", Map.of()).format().recognizes(Path.of("auto")));
        assertEquals(true, formats.configured("gguf", Map.of("out_type", "q8_0")).format().recognizes(Path.of("q8_0")));
        EvomergeException badValue = assertThrows(EvomergeException.class,
                () -> formats.configured("gguf", Map.of("out_type", "q2_k")));
        assertEquals(ErrorCategory.CONFIGURATION, badValue.category());
        EvomergeException unknown = assertThrows(EvomergeException.class, () -> formats.configured("onnx", Map.of()));
        assertEquals(ErrorCategory.CONFIGURATION, unknown.category());
        assertEquals("output.format: no model format 'onnx' is installed (formats that write models: gguf)",
                unknown.getMessage());
        assertEquals("--out-format: no model format 'onnx' is installed (formats that write models: gguf)",
                assertThrows(EvomergeException.class, () -> formats.output("onnx", "--out-format")).getMessage());
    }
}
