package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.BackendWithoutTaskVectors;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An evolution whose merge method declares {@link Capability#TASK_VECTOR_OPERATIONS} is refused on a backend without
 * them before the run starts: no run folder, no evaluation.
 */
class TaskVectorCapabilityRunTest {

    @TempDir
    Path temp;

    /** The test linear method, declaring that it computes with task-vector operations. */
    static final class TaskVectorLinear implements MergeMethodFactory {
        private final TestExtensions.Linear linear = new TestExtensions.Linear();

        @Override
        public ExtensionDescriptor descriptor() {
            ExtensionDescriptor d = linear.descriptor();
            return new ExtensionDescriptor("task-vector-linear", d.version(), d.kind(), d.description(), d.parameters(),
                    Set.of(Capability.TASK_VECTOR_OPERATIONS));
        }

        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return linear.create(globalParameters, context);
        }
    }

    @Test
    void aRunOnABackendWithoutTaskVectorOperationsIsRefusedBeforeItStarts() throws Exception {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runFile = f.runFile("run.yml", EvolutionFixture.LINEAR_RUN
                .replace("merge_method: linear", "merge_method: task-vector-linear"));
        Path runDir = temp.resolve("run");
        Path scratch = Files.createDirectories(temp.resolve("scratch"));
        ExtensionCatalog catalog = TestExtensions.catalog();
        catalog.register(new TaskVectorLinear(), "tests");
        RunContext context = new DefaultRunContext(new SeededRandomSource(5), new BackendWithoutTaskVectors(),
                ProgressReporter.SILENT, ScratchDirectory.create(scratch, false), 1, Map.of());
        EvomergeException e = assertThrows(EvomergeException.class, () -> EvolutionJob.run(
                RunFileReader.read(runFile), catalog, ModelFormats.from(catalog, context),
                ArchitectureCatalog.load(List.of()), context,
                new EvolutionJob.Options(runDir, false, "test", ToyFormat.ID), ProgressReporter.SILENT,
                Optional.empty(), EvolutionJob.ReportWriter.NONE));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals("merge method 'task-vector-linear' needs task-vector operations, which compute backend"
                + " 'cpu-without-task-vectors' does not offer; choose another with --backend (e.g. --backend cpu)",
                e.getMessage());
        assertFalse(Files.exists(runDir), "a run folder for a run that could not start");
    }
}
