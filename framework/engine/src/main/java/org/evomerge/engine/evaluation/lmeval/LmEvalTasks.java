package org.evomerge.engine.evaluation.lmeval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.input.ClosestNames;

/**
 * Turns what a user names (an lm-evaluation-harness task file, or a task, group or tag name found in the task search
 * path) into the tasks lm-eval would run, as its {@code TaskManager} and {@code TaskFactory} build them
 * ({@code lm_eval/tasks/manager.py}, {@code _factory.py}): a task is its file's configuration; a group runs its
 * members (names of tasks, groups and tags; mappings with {@code task:} that override a named task's settings or
 * define a task inline, named {@code GROUP::NAME}; inline subgroups), each with the group's own settings other than
 * its structural keys applied; a tag runs its tasks in name order.
 *
 * <p>The index of the search path is built the first time a name is looked up.
 */
public final class LmEvalTasks {

    /** lm-eval's {@code GroupConfig} fields: what a group file says about the group rather than its tasks. */
    private static final Set<String> GROUP_FIELDS = Set.of("group", "group_alias", "task", "aggregate_metric_list",
            "metadata");
    /** Keys of a task's file that structure the index, not the task. */
    private static final Set<String> STRUCTURAL = Set.of("tag", "group", "task_list");

    private final List<Path> searchPath;
    private LmEvalTaskIndex index;

    /** @param searchPath the folders to look names up in ({@code --task-search-path}), in order */
    public LmEvalTasks(List<Path> searchPath) {
        this.searchPath = List.copyOf(searchPath);
    }

    public List<Path> searchPath() {
        return searchPath;
    }

    /**
     * The tasks (and groups) of one specification.
     *
     * @param tasks the leaf tasks, in the order lm-eval builds them
     * @param groups the groups met on the way, outermost first
     */
    public record Resolution(List<LmEvalTask> tasks, List<LmEvalGroup> groups) {
        public Resolution {
            tasks = List.copyOf(tasks);
            groups = List.copyOf(groups);
        }
    }

    /**
     * Whether {@code config} (a YAML file's top-level mapping) is in lm-evaluation-harness's format rather than
     * evomerge's task format: it has no {@code evaluator}, and it has a {@code task}, {@code group}, {@code include}
     * or {@code class}.
     */
    public static boolean isLmEvalConfig(Map<?, ?> config) {
        return !config.containsKey("evaluator") && (config.containsKey("task") || config.containsKey("group")
                || config.containsKey("include") || config.containsKey("class"));
    }

    /**
     * Resolves an lm-eval task file.
     *
     * @throws EvomergeException (configuration) naming the file and what is wrong
     */
    public Resolution resolveFile(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        Map<String, Object> config = LmEvalYaml.load(absolute);
        LmEvalTaskIndex.Kind kind = LmEvalTaskIndex.kindOf(config).orElseThrow(() -> EvomergeException.configuration(
                absolute + ": an lm-evaluation-harness task file needs 'task' (or 'group' for a group)"));
        Object name = config.get(kind == LmEvalTaskIndex.Kind.GROUP ? "group" : "task");
        if (!(name instanceof String text)) {
            throw EvomergeException.configuration(absolute + ": '" + (kind == LmEvalTaskIndex.Kind.GROUP ? "group"
                    : "task") + "' must be a name, got " + name);
        }
        return build(new LmEvalTaskIndex.Entry(text, kind, Optional.of(absolute), config, Set.of()));
    }

    /**
     * Resolves a task, group or tag name of the search path.
     *
     * @return empty when no folder of the search path defines it
     * @throws EvomergeException (configuration) when the name's definition cannot be used
     */
    public Optional<Resolution> resolveName(String name) {
        return index().entry(name).map(this::build);
    }

    /**
     * Why {@code name} is unknown, for an error message: the folders searched, a close name, and how many files
     * could not be read.
     */
    public String unknownName(String name) {
        if (searchPath.isEmpty()) {
            return "no task search path is set (--task-search-path DIR, or evaluation.task-search-path in the"
                    + " configuration: folders of lm-evaluation-harness task YAML files, such as"
                    + " lm-evaluation-harness/lm_eval/tasks)";
        }
        LmEvalTaskIndex built = index();
        return "no task, group or tag of that name in " + String.join(", ", searchPath.stream().map(Path::toString)
                .toList()) + ClosestNames.hint(name, built.names())
                + (built.skipped().isEmpty() ? "" : " (" + built.skipped().size() + " YAML files there could not be"
                + " used, e.g. " + built.skipped().getFirst() + ")");
    }

    private LmEvalTaskIndex index() {
        if (index == null) {
            index = LmEvalTaskIndex.build(searchPath);
        }
        return index;
    }

    private Map<String, LmEvalTaskIndex.Entry> registry() {
        return searchPath.isEmpty() ? Map.of() : index().entries();
    }

    private Resolution build(LmEvalTaskIndex.Entry entry) {
        List<LmEvalTask> tasks = new ArrayList<>();
        List<LmEvalGroup> groups = new ArrayList<>();
        build(entry, Map.of(), tasks, groups);
        return new Resolution(tasks, groups);
    }

    private void build(LmEvalTaskIndex.Entry entry, Map<String, Object> overrides, List<LmEvalTask> tasks,
                       List<LmEvalGroup> groups) {
        switch (entry.kind()) {
            case TAG -> {
                for (String member : entry.members()) {
                    LmEvalTaskIndex.Entry task = registry().get(member);
                    if (task != null) {
                        tasks.add(task(task, overrides));
                    }
                }
            }
            case GROUP -> group(entry.name(), entry.config(), entry.file().orElseThrow(), overrides, tasks, groups);
            case TASK -> tasks.add(task(entry, overrides));
            case PYTHON_TASK -> throw EvomergeException.configuration(entry.file().map(Path::toString).orElse(
                    entry.name()) + ": task '" + entry.name() + "' is the Python class " + entry.config().get("class")
                    + "; evomerge runs tasks defined in YAML only");
        }
    }

    private static LmEvalTask task(LmEvalTaskIndex.Entry entry, Map<String, Object> overrides) {
        if (entry.kind() == LmEvalTaskIndex.Kind.PYTHON_TASK) {
            throw EvomergeException.configuration(entry.file().map(Path::toString).orElse(entry.name()) + ": task '"
                    + entry.name() + "' is the Python class " + entry.config().get("class")
                    + "; evomerge runs tasks defined in YAML only");
        }
        Map<String, Object> config = new LinkedHashMap<>(entry.config());
        config.putAll(overrides);
        STRUCTURAL.forEach(config::remove);
        return new LmEvalTask(String.valueOf(config.get("task")), config, entry.file().orElseThrow());
    }

    private void group(String name, Map<String, Object> raw, Path file, Map<String, Object> overrides,
                       List<LmEvalTask> tasks, List<LmEvalGroup> groups) {
        Map<String, Object> memberOverrides = new LinkedHashMap<>();
        raw.forEach((key, value) -> {
            if (!GROUP_FIELDS.contains(key)) {
                memberOverrides.put(key, value);
            }
        });
        memberOverrides.putAll(overrides);
        int groupAt = groups.size();
        int firstTask = tasks.size();
        groups.add(null);
        Object members = raw.get("task");
        for (Object member : members instanceof List<?> list ? list : members == null ? List.of() : List.of(members)) {
            member(name, file, member, memberOverrides, tasks, groups);
        }
        List<Map<String, Object>> aggregates = new ArrayList<>();
        if (raw.get("aggregate_metric_list") instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> map) {
                    Map<String, Object> aggregate = new LinkedHashMap<>();
                    map.forEach((k, v) -> aggregate.put(String.valueOf(k), v));
                    aggregates.add(aggregate);
                }
            }
        } else if (raw.get("aggregate_metric_list") instanceof Map<?, ?> map) {
            Map<String, Object> aggregate = new LinkedHashMap<>();
            map.forEach((k, v) -> aggregate.put(String.valueOf(k), v));
            aggregates.add(aggregate);
        }
        groups.set(groupAt, new LmEvalGroup(name, tasks.subList(firstTask, tasks.size()).stream()
                .map(LmEvalTask::name).toList(), aggregates));
    }

    private void member(String group, Path file, Object member, Map<String, Object> overrides, List<LmEvalTask> tasks,
                        List<LmEvalGroup> groups) {
        String base;
        Map<String, Object> itemOverrides;
        if (member instanceof String text) {
            base = text;
            itemOverrides = overrides;
        } else if (member instanceof Map<?, ?> map) {
            Map<String, Object> item = new LinkedHashMap<>();
            map.forEach((k, v) -> item.put(String.valueOf(k), v));
            if (item.containsKey("group")) {
                String subgroup = String.valueOf(item.get("group"));
                LmEvalTaskIndex.Entry known = registry().get(subgroup);
                if (known != null) {
                    Map<String, Object> merged = new LinkedHashMap<>(overrides);
                    item.forEach((k, v) -> {
                        if (!k.equals("group")) {
                            merged.put(k, v);
                        }
                    });
                    build(known, merged, tasks, groups);
                } else {
                    group(group + "::" + subgroup, item, file, overrides, tasks, groups);
                }
                return;
            }
            if (!item.containsKey("task")) {
                throw EvomergeException.configuration(file + ": group '" + group + "': a mapping among 'task' needs"
                        + " 'task' or 'group', got " + item.keySet());
            }
            base = String.valueOf(item.get("task"));
            itemOverrides = new LinkedHashMap<>(overrides);
            itemOverrides.putAll(item);
        } else {
            throw EvomergeException.configuration(file + ": group '" + group + "': unsupported member " + member);
        }
        LmEvalTaskIndex.Entry known = registry().get(base);
        if (known == null) {
            if (!(member instanceof Map<?, ?>)) {
                throw EvomergeException.configuration(file + ": group '" + group + "' names '" + base + "', which is"
                        + " no task, group or tag: " + unknownName(base));
            }
            Map<String, Object> config = new LinkedHashMap<>(itemOverrides);
            config.put("task", group + "::" + base);
            STRUCTURAL.forEach(config::remove);
            tasks.add(new LmEvalTask(group + "::" + base, config, file));
            return;
        }
        switch (known.kind()) {
            case GROUP -> build(known, itemOverrides, tasks, groups);
            case TAG -> {
                for (String name : known.members()) {
                    LmEvalTaskIndex.Entry task = registry().get(name);
                    if (task != null) {
                        Map<String, Object> named = new LinkedHashMap<>();
                        named.put("task", name);
                        named.putAll(itemOverrides);
                        tasks.add(task(task, named));
                    }
                }
            }
            default -> {
                Map<String, Object> named = new LinkedHashMap<>();
                named.put("task", base);
                named.putAll(itemOverrides);
                tasks.add(task(known, named));
            }
        }
    }
}
