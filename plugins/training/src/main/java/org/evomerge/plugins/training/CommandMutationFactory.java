package org.evomerge.plugins.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.mutation.MutationInput;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * Runs the user's own training program on an individual: {@code COMMAND... MODEL_DIR OUTPUT_DIR}, with the
 * mutation's seed in the environment variable {@code EVOMERGE_SEED}, and takes the folder it wrote into the
 * population with {@link ModelStore#adopt}. The command is split on whitespace and run without a shell.
 *
 * <p>A non-zero exit, a timeout (the process and its descendants are killed) or an output folder that is not a
 * model is an error naming the command, the exit code and the tail of its standard error; the parent is never
 * touched and nothing enters the population. The output folder is removed afterwards either way.
 */
@Extension
public class CommandMutationFactory implements MutationFactory {

    /** How much of the command's standard error an error message quotes. */
    private static final int STDERR_TAIL_CHARS = 800;

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor("command", "1.0.0",
            ExtensionKind.MUTATION,
            "Runs your training command on a model folder (COMMAND MODEL_DIR OUTPUT_DIR, seed in EVOMERGE_SEED)"
                    + " and adopts the folder it writes.",
            ParameterSchema.of(
                    new ParameterSpec("command", ParameterType.STRING, null, null, null, List.of(), true,
                            ParameterScope.GLOBAL, "program and arguments, split on whitespace; the model folder"
                            + " and the output folder are appended"),
                    ParameterSpec.integer("timeout_seconds", 3600, 1L, null, "kill the command after this long")),
            Set.of(Capability.MODEL_GENOMES, Capability.RANDOMIZED));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public Mutation create(Parameters parameters, RunContext context) {
        if (!parameters.has("command") || parameters.string("command").isBlank()) {
            throw EvomergeException.configuration("command: parameter 'command' is required (the training program)");
        }
        List<String> command = Arrays.stream(parameters.string("command").strip().split("\\s+")).toList();
        long timeout = parameters.integer("timeout_seconds");
        return new CommandMutation(command, timeout, context);
    }

    private record CommandMutation(List<String> command, long timeoutSeconds, RunContext context)
            implements ModelMutation {

        @Override
        public String id() {
            return "command";
        }

        @Override
        public Genome mutate(ModelGenome parent, MutationInput input, ModelStore store) {
            long seed = input.random().bits(0);
            String shown = String.join(" ", command);
            Path output = context.scratch().newFolder("command-mutation-");
            Path stderr = context.scratch().newFile("command-mutation-", ".stderr");
            try {
                List<String> full = new ArrayList<>(command);
                full.add(parent.folder().toAbsolutePath().toString());
                full.add(output.toAbsolutePath().toString());
                ProcessBuilder builder = new ProcessBuilder(full)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(stderr.toFile());
                builder.environment().put("EVOMERGE_SEED", Long.toUnsignedString(seed));
                Process process;
                try {
                    process = builder.start();
                } catch (IOException e) {
                    throw EvomergeException.configuration("command mutation: cannot start '" + shown + "': "
                            + e.getMessage());
                }
                boolean finished;
                try {
                    finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    kill(process);
                    Thread.currentThread().interrupt();
                    throw EvomergeException.input("command mutation: interrupted while '" + shown + "' ran", e);
                }
                if (!finished) {
                    kill(process);
                    throw EvomergeException.input("command mutation: '" + shown + "' timed out after "
                            + timeoutSeconds + " s" + tail(stderr), null);
                }
                if (process.exitValue() != 0) {
                    throw EvomergeException.input("command mutation: '" + shown + "' failed with exit code "
                            + process.exitValue() + tail(stderr), null);
                }
                try {
                    return store.adopt(output, "command " + command.getFirst());
                } catch (EvomergeException e) {
                    throw EvomergeException.input("command mutation: '" + shown + "' exited 0 but its output is"
                            + " not a model: " + e.getMessage(), e);
                }
            } finally {
                deleteQuietly(output);
                deleteQuietly(stderr);
            }
        }

        private static void kill(Process process) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The last characters of the command's standard error, on one line, or nothing when it wrote none. */
        private static String tail(Path stderr) {
            try {
                String text = Files.readString(stderr, StandardCharsets.UTF_8).strip();
                if (text.isEmpty()) {
                    return " (no stderr output)";
                }
                String last = text.length() > STDERR_TAIL_CHARS
                        ? "..." + text.substring(text.length() - STDERR_TAIL_CHARS) : text;
                return "; stderr: " + last.replaceAll("\\s*\\R\\s*", " | ");
            } catch (IOException | UncheckedIOException e) {
                return "";
            }
        }

        private static void deleteQuietly(Path path) {
            if (!Files.exists(path)) {
                return;
            }
            try {
                Files.walkFileTree(path, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                        Files.delete(dir);
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                // Scratch space is removed with the run anyway; a leftover folder is not worth failing a mutation.
            }
        }
    }
}
