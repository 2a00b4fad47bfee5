package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.runfolder.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models are written in the format the configuration's {@code output.format} names, not in one the engine knows by
 * name: the engine tests install no safetensors format, and every merge and run here writes the test format.
 */
class OutputFormatTest {

    @TempDir
    Path temp;

    /** A format that reads models but cannot write them, as GGUF. */
    private static final class ReadOnlyFormat implements ModelFormatFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("readonly", "1.0.0", ExtensionKind.MODEL_FORMAT, "reads only",
                    ParameterSchema.of(), Set.of());
        }

        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            return new ModelFormat() {
                @Override
                public boolean recognizes(Path path) {
                    return false;
                }

                @Override
                public Model open(Path path) {
                    throw new UnsupportedOperationException();
                }
            };
        }
    }

    private ModelFormats formats() {
        ExtensionCatalog catalog = TestExtensions.catalog();
        catalog.register(new ReadOnlyFormat(), "tests");
        return ModelFormats.from(catalog, EvolutionFixture.context(temp, 1));
    }

    @Test
    void theOutputFormatIsAnInstalledFormatThatWrites() {
        ModelFormats formats = formats();
        assertEquals(ToyFormat.ID, formats.output(ToyFormat.ID).id());
        EvomergeException readOnly = assertThrows(EvomergeException.class, () -> formats.output("readonly"));
        assertEquals(ErrorCategory.CONFIGURATION, readOnly.category());
        assertEquals("output.format: model format 'readonly' reads models but does not write them (formats that"
                + " write models: toy)", readOnly.getMessage());
        EvomergeException missing = assertThrows(EvomergeException.class, () -> formats.output("safetensors"));
        assertEquals("output.format: no model format 'safetensors' is installed (formats that write models: toy)",
                missing.getMessage());
    }

    @Test
    void aRunWritesBestInTheConfiguredFormat() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionFixture.run(f.runFile("run.yml", EvolutionFixture.LINEAR_RUN), runDir, false, 1);
        assertTrue(Files.isRegularFile(runDir.resolve(RunFolder.BEST).resolve("toy-model.json")));
    }

    @Test
    void aRunWithAnOutputFormatThatCannotWriteStopsBeforeItsFolderExists() {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN);
        Path runDir = temp.resolve("run");
        ExtensionCatalog catalog = TestExtensions.catalog();
        RunContext context = EvolutionFixture.context(temp, 1);
        EvomergeException e = assertThrows(EvomergeException.class, () -> EvolutionJob.run(
                RunFileReader.read(runFile), catalog, ModelFormats.from(catalog, context),
                ArchitectureCatalog.load(List.of()), context, new EvolutionJob.Options(runDir, false, "test",
                        "safetensors"), ProgressReporter.SILENT, Optional.empty(), EvolutionJob.ReportWriter.NONE));
        assertTrue(e.getMessage().startsWith("output.format: no model format 'safetensors'"), e.getMessage());
        assertFalse(Files.exists(runDir), "nothing written");
    }
}
