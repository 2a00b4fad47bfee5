package org.evomerge.engine.evaluation.lmeval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;

/**
 * The task, group and tag names of the lm-evaluation-harness task files under some folders, as lm-eval's
 * {@code TaskIndex} builds them ({@code lm_eval/tasks/_index.py}): every {@code *.yaml} below each folder, in path
 * order, read with its includes; a file with {@code group:} names a group, one with {@code task:} a task (and its
 * {@code tag:} values name tags listing it), one with {@code class:} a Python task. A file that cannot be read is
 * skipped, as lm-eval skips it; within a folder the first file to use a name keeps it, and a later folder's names
 * replace an earlier one's.
 */
public final class LmEvalTaskIndex {

    /** What a name stands for. */
    public enum Kind {
        TASK, PYTHON_TASK, GROUP, TAG
    }

    /**
     * One name.
     *
     * @param name the task, group or tag name
     * @param kind what it names
     * @param file the YAML file that defines it (empty for a tag)
     * @param config the file's configuration with its includes merged (empty for a tag)
     * @param members a tag's task names
     */
    public record Entry(String name, Kind kind, Optional<Path> file, Map<String, Object> config, Set<String> members) {
    }

    private static final Set<String> IGNORED_FOLDERS = Set.of("__pycache__", ".ipynb_checkpoints");

    private final List<Path> folders;
    private final Map<String, Entry> entries;
    private final List<String> skipped;

    private LmEvalTaskIndex(List<Path> folders, Map<String, Entry> entries, List<String> skipped) {
        this.folders = List.copyOf(folders);
        this.entries = entries;
        this.skipped = List.copyOf(skipped);
    }

    /**
     * Indexes the task files under {@code folders}.
     *
     * @throws EvomergeException (configuration) when a folder does not exist
     */
    public static LmEvalTaskIndex build(List<Path> folders) {
        Map<String, Entry> index = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (Path folder : folders) {
            if (!Files.isDirectory(folder)) {
                throw EvomergeException.configuration("task search path: " + folder + " is not a folder");
            }
            Map<String, Entry> own = new LinkedHashMap<>();
            for (Path file : yamlFiles(folder)) {
                Map<String, Object> config;
                try {
                    config = LmEvalYaml.load(file);
                } catch (EvomergeException e) {
                    skipped.add(e.getMessage());
                    continue;
                }
                add(own, file, config).ifPresent(skipped::add);
            }
            index.putAll(own);
        }
        return new LmEvalTaskIndex(folders, index, skipped);
    }

    /** Registers one file's names; a reason when it names nothing usable. */
    private static Optional<String> add(Map<String, Entry> own, Path file, Map<String, Object> config) {
        Kind kind = kindOf(config).orElse(null);
        if (kind == null) {
            return Optional.of(file + ": neither 'task' nor 'group'");
        }
        Object named = config.get(kind == Kind.GROUP ? "group" : "task");
        if (!(named instanceof String name)) {
            return Optional.of(file + ": '" + (kind == Kind.GROUP ? "group" : "task") + "' is not a name");
        }
        if (own.containsKey(name)) {
            return Optional.of(file + ": '" + name + "' is already defined by " + own.get(name).file()
                    .map(Path::toString).orElse("a tag"));
        }
        own.put(name, new Entry(name, kind, Optional.of(file), config, Set.of()));
        if (kind != Kind.GROUP) {
            for (String tag : tags(config.get("tag"))) {
                Entry existing = own.get(tag);
                Set<String> members = new TreeSet<>(existing != null && existing.kind() == Kind.TAG
                        ? existing.members() : Set.of());
                members.add(name);
                if (existing == null || existing.kind() == Kind.TAG) {
                    own.put(tag, new Entry(tag, Kind.TAG, Optional.empty(), Map.of(),
                            Collections.unmodifiableSet(members)));
                }
            }
        }
        return Optional.empty();
    }

    /** lm-eval's {@code _kind_of}: {@code class} before {@code group} before {@code task}. */
    static Optional<Kind> kindOf(Map<String, Object> config) {
        if (config.containsKey("class")) {
            return Optional.of(Kind.PYTHON_TASK);
        }
        if (config.containsKey("group")) {
            return Optional.of(Kind.GROUP);
        }
        if (config.containsKey("task")) {
            return Optional.of(Kind.TASK);
        }
        return Optional.empty();
    }

    private static List<String> tags(Object tag) {
        if (tag instanceof String one) {
            return List.of(one);
        }
        if (tag instanceof List<?> many) {
            return many.stream().filter(t -> t != null).map(Object::toString).toList();
        }
        return List.of();
    }

    private static List<Path> yamlFiles(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(p -> p.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(p))
                    .filter(p -> folder.relativize(p).getParent() == null || Stream.iterate(
                            folder.relativize(p).getParent(), q -> q != null, Path::getParent)
                            .noneMatch(q -> IGNORED_FOLDERS.contains(q.getFileName().toString())))
                    .sorted((a, b) -> a.toString().replace('\\', '/').compareTo(b.toString().replace('\\', '/')))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<Entry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** Every indexed name, sorted. */
    public Set<String> names() {
        return new TreeSet<>(entries.keySet());
    }

    public List<Path> folders() {
        return folders;
    }

    /** Why files were left out (unreadable, or naming nothing), one line each. */
    public List<String> skipped() {
        return skipped;
    }

    Map<String, Entry> entries() {
        return entries;
    }
}
