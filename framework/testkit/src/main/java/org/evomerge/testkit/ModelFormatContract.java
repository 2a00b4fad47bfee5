package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contract of model formats: a sample is recognised and opened lazily with consistent tensor sizes, unrelated files
 * are not recognised, and garbage fails with an INPUT error instead of a crash.
 */
public abstract class ModelFormatContract extends ExtensionFactoryContract<ModelFormatFactory> {

    @TempDir
    protected Path tempDir;

    @Override
    protected final ExtensionKind expectedKind() {
        return ExtensionKind.MODEL_FORMAT;
    }

    /** Writes a small valid model of this format under {@code folder} and returns the path to open. */
    protected abstract Path writeSample(Path folder) throws Exception;

    /** Writes a file or folder that claims to be this format but is corrupt, and returns the path to open. */
    protected abstract Path writeCorrupt(Path folder) throws Exception;

    protected ModelFormat format() {
        return factory().create(parameters(EnumSet.allOf(ParameterScope.class), Map.of()), context(1));
    }

    @Test
    void opensASampleWithConsistentTensors() throws Exception {
        Path sample = writeSample(Files.createDirectories(tempDir.resolve("sample")));
        assertTrue(format().recognizes(sample), "the format does not recognise its own sample");
        try (Model model = format().open(sample)) {
            assertFalse(model.tensors().tensors().isEmpty(), "the sample has no tensors");
            for (TensorInfo info : model.tensors().tensors()) {
                assertEquals(info.byteSize(), model.tensors().tensor(info.name()).data().byteSize(), info.name());
            }
        }
    }

    @Test
    void doesNotRecogniseUnrelatedFiles() throws Exception {
        Path text = Files.writeString(tempDir.resolve("notes.txt"), "not a model\n");
        assertFalse(format().recognizes(text));
        assertFalse(format().recognizes(Files.createDirectories(tempDir.resolve("empty"))));
    }

    @Test
    void reportsCorruptInputAsAnInputError() throws Exception {
        Path corrupt = writeCorrupt(Files.createDirectories(tempDir.resolve("corrupt")));
        EvomergeException e = assertThrows(EvomergeException.class, () -> format().open(corrupt).close());
        assertEquals(ErrorCategory.INPUT, e.category());
        assertFalse(e.getMessage().contains("\n"), "errors are one line: " + e.getMessage());
    }
}
