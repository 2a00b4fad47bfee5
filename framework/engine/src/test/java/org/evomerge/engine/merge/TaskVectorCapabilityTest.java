package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.context.BackendWithoutTaskVectors;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge method that declares {@link Capability#TASK_VECTOR_OPERATIONS} is refused on a backend without them before
 * the merge reads or writes anything, with one line naming the method, the backend and what is missing.
 */
class TaskVectorCapabilityTest {

    @TempDir
    Path temp;

    static final String MESSAGE = "merge method 'task-vectors' needs task-vector operations, which compute backend"
            + " 'cpu-without-task-vectors' does not offer; choose another with --backend (e.g. --backend cpu)";

    /** Declares the capability; never gets to merge here (the runs stop before their first tensor). */
    static final class TaskVectorMethod implements MergeMethodFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("task-vectors", "1.0.0", ExtensionKind.MERGE_METHOD, "uses task vectors",
                    ParameterSchema.EMPTY, Set.of(Capability.TASK_VECTOR_OPERATIONS));
        }

        @Override
        public MergeMethod create(Parameters globalParameters, RunContext context) {
            return (input, values, statistics) -> {
                throw new AssertionError("merged on " + context.compute().id());
            };
        }
    }

    private RunContext context(ComputeBackend backend) {
        return new DefaultRunContext(new SeededRandomSource(1), backend, ProgressReporter.SILENT,
                ScratchDirectory.create(temp, false), 1, Map.of());
    }

    private final MergeRecipe recipe = RecipeReader.parse(
            "merge_method: task-vectors\nmodels: [{model: ./missing-a}, {model: ./missing-b}]\n", Path.of("recipe.yml"));

    @Test
    void mergeIsRefusedBeforeAnyModelIsOpened() {
        ExtensionCatalog catalog = new ExtensionCatalog();
        catalog.register(new TaskVectorMethod(), "tests");
        RunContext context = context(new BackendWithoutTaskVectors());
        Path output = temp.resolve("out");
        EvomergeException e = assertThrows(EvomergeException.class, () -> MergeJob.run(recipe, catalog,
                ModelFormats.from(catalog, context), ArchitectureCatalog.load(List.of()), context,
                new MergeJob.Options(output, "safetensors", 1L << 30, false, "test", temp)));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals(MESSAGE, e.getMessage());
        assertFalse(Files.exists(output));

        // On a backend that has them the merge goes on, to the models (which do not exist here).
        RunContext reference = context(new ReferenceBackend());
        EvomergeException missing = assertThrows(EvomergeException.class, () -> MergeJob.run(recipe, catalog,
                ModelFormats.from(catalog, reference), ArchitectureCatalog.load(List.of()), reference,
                new MergeJob.Options(output, "safetensors", 1L << 30, false, "test", temp)));
        assertTrue(missing.getMessage().contains("missing-a"), missing.getMessage());
    }

    @Test
    void anInMemoryMergeIsRefusedToo() {
        ExtensionCatalog catalog = new ExtensionCatalog();
        catalog.register(new TaskVectorMethod(), "tests");
        EvomergeException e = assertThrows(EvomergeException.class, () -> InMemoryMerge.merge(recipe, catalog,
                Map.of(), ArchitectureCatalog.load(List.of()), context(new BackendWithoutTaskVectors()),
                org.evomerge.api.tensor.DType.F32));
        assertEquals(MESSAGE, e.getMessage());
    }
}
