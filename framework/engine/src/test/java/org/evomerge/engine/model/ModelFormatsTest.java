package org.evomerge.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.InMemoryTensors;
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
}
