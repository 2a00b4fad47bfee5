package org.evomerge.plugins.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.testkit.MutationContract;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

/** The command mutation running real shell scripts, with an in-memory store that adopts folders by content. */
class CommandMutationTest extends MutationContract {

    private final InMemoryModelStore store = new InMemoryModelStore();
    private final Path folder = createParent();
    private final ModelGenome parent = new ModelGenome(folder, "parent");

    private static Path createParent() {
        try {
            Path dir = Files.createTempDirectory("command-parent");
            Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A script (sh) with the given body; $1 is the model folder, $2 the output folder. */
    private static String script(String body) {
        try {
            Path file = Files.createTempFile("train", ".sh",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.writeString(file, "#!/bin/sh\n" + body + "\n");
            file.toFile().deleteOnExit();
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String COPY_WITH_SEED =
            script("cp \"$1/config.json\" \"$2/\" && echo \"$EVOMERGE_SEED\" > \"$2/trained.txt\"");

    @Override
    protected MutationFactory factory() {
        return new CommandMutationFactory();
    }

    @Override
    protected Set<String> wholeNumbersReadAsLong() {
        return Set.of("timeout_seconds");
    }

    @Override
    protected Genome parent() {
        return parent;
    }

    @Override
    protected RunContext context(long seed) {
        RunContext base = TestRunContexts.seeded(seed);
        return new DefaultRunContext(new SeededRandomSource(seed), base.compute(), base.progress(), base.scratch(), 1,
                Map.of(ModelStore.class, store));
    }

    @Override
    protected Parameters parameters(EnumSet<ParameterScope> scopes, Map<String, ?> overrides) {
        Map<String, Object> all = new LinkedHashMap<>(overrides);
        all.putIfAbsent("command", COPY_WITH_SEED);
        return super.parameters(scopes, all);
    }

    private Mutation mutationRunning(String command, int timeoutSeconds) {
        return factory().create(parameters(EnumSet.allOf(ParameterScope.class),
                Map.of("command", command, "timeout_seconds", timeoutSeconds)), context(1));
    }

    private MutationInput input() {
        return new MutationInput(parent, List.of(), new SeededRandomSource(5));
    }

    @Test
    void aFailingCommandNamesTheCommandItsExitCodeAndStderrAndAdoptsNothing() {
        String failing = script("echo 'loading weights' >&2\necho 'CUDA out of memory' >&2\nexit 3");
        EvomergeException e = assertThrows(EvomergeException.class, () -> mutationRunning(failing, 60)
                .mutate(input()));
        assertTrue(e.getMessage().contains(failing), e.getMessage());
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("loading weights | CUDA out of memory"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertTrue(store.labels.isEmpty(), "nothing entered the population");
        assertTrue(Files.exists(folder.resolve("config.json")), "the parent is intact");
    }

    @Test
    void aCommandThatRunsTooLongIsKilledAndReported() {
        String slow = script("echo started >&2\nsleep 30");
        EvomergeException e = assertThrows(EvomergeException.class, () -> mutationRunning(slow, 1).mutate(input()));
        assertTrue(e.getMessage().contains("timed out after 1 s"), e.getMessage());
        assertTrue(e.getMessage().contains("started"), e.getMessage());
        assertTrue(store.labels.isEmpty());
    }

    @Test
    void anOutputThatIsNotAModelIsAnInputError() {
        EvomergeException e = assertThrows(EvomergeException.class, () -> mutationRunning(script("exit 0"), 60)
                .mutate(input()));
        assertTrue(e.getMessage().contains("not a model"), e.getMessage());
    }

    @Test
    void aMissingProgramIsAConfigurationError() {
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> mutationRunning("/no/such/trainer --epochs 1", 60).mutate(input()));
        assertTrue(e.getMessage().contains("/no/such/trainer --epochs 1"), e.getMessage());
        assertEquals(org.evomerge.api.ErrorCategory.CONFIGURATION, e.category());
    }
}
