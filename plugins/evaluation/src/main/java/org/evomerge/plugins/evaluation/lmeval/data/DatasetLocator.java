package org.evomerge.plugins.evaluation.lmeval.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Finds the files of an lm-evaluation-harness task's dataset on disk, offline, where {@code datasets.load_dataset}
 * would find them ({@code path}, {@code name} and {@code dataset_kwargs} as lm-eval passes them):
 * <ol>
 *   <li>{@code json}, {@code csv}, {@code parquet}, {@code arrow} or {@code text} with {@code data_files} (a file, a
 *       list, or split → files; globs allowed) or {@code data_dir};</li>
 *   <li>a local file (one split, {@code train}) or folder: the {@code configs} of its {@code README.md} card, a
 *       {@code save_to_disk} folder, or files named by split as {@code datasets} infers them
 *       ({@code train*}, {@code test-00000-of-00001.parquet}, {@code validation/}...), under the folder named by
 *       {@code name} when there is one;</li>
 *   <li>a Hub id: the datasets cache ({@code HF_DATASETS_CACHE}, else {@code HF_HOME/datasets}:
 *       {@code ORG___NAME/CONFIG/VERSION/HASH/*-SPLIT.arrow}), else the hub cache ({@code HF_HUB_CACHE}, else
 *       {@code HF_HOME/hub}: {@code datasets--ORG--NAME/snapshots/REV/}, read as a folder).</li>
 * </ol>
 * Relative paths are read against the task file's folder first, then the working folder (where lm-eval reads them).
 */
public final class DatasetLocator {

    /** Builders of {@code datasets} that read files given as {@code data_files}. */
    static final Set<String> PACKAGED = Set.of("json", "csv", "parquet", "arrow", "text");
    /** The file extensions {@link DocumentReader} reads. */
    static final Set<String> EXTENSIONS = Set.of(".json", ".jsonl", ".csv", ".tsv", ".parquet", ".arrow", ".txt");
    private static final Map<String, List<String>> SPLIT_KEYWORDS = Map.of(
            "train", List.of("train", "training"),
            "validation", List.of("validation", "valid", "dev", "val"),
            "test", List.of("test", "testing", "eval", "evaluation"));

    /**
     * What to find.
     *
     * @param task the task's name, for messages
     * @param path {@code dataset_path}
     * @param name {@code dataset_name}
     * @param kwargs {@code dataset_kwargs}
     * @param taskFolder the folder of the task's YAML file
     * @param workingDirectory the working folder
     * @param environment the environment ({@code HF_HOME}, {@code HF_DATASETS_CACHE}, {@code HF_HUB_CACHE},
     *     {@code XDG_CACHE_HOME}, {@code HOME})
     */
    public record Request(String task, String path, Optional<String> name, Map<String, Object> kwargs,
                          Path taskFolder, Path workingDirectory, Map<String, String> environment) {
    }

    /**
     * The files found.
     *
     * @param where a short description of where, for messages
     * @param splits each split's files, in order
     */
    public record Found(String where, Map<String, List<Path>> splits) {

        public List<Path> files() {
            return splits.values().stream().flatMap(List::stream).distinct().toList();
        }
    }

    private DatasetLocator() {
    }

    /**
     * Finds the dataset's files.
     *
     * @throws EvomergeException (input) naming the task, the places tried and how to put the files there
     */
    public static Found locate(Request request) {
        List<String> tried = new ArrayList<>();
        if (PACKAGED.contains(request.path())) {
            return packaged(request);
        }
        for (Path candidate : localCandidates(request, request.path())) {
            tried.add(candidate.toString());
            if (Files.isRegularFile(candidate)) {
                return new Found(candidate.toString(), Map.of("train", List.of(candidate)));
            }
            if (Files.isDirectory(candidate)) {
                return folder(request, candidate);
            }
        }
        Optional<Found> cached = datasetsCache(request, tried);
        if (cached.isPresent()) {
            return cached.get();
        }
        Optional<Path> snapshot = hubSnapshot(request, tried);
        if (snapshot.isPresent()) {
            return folder(request, snapshot.get());
        }
        throw EvomergeException.input("lm-eval task '" + request.task() + "': dataset " + request.path()
                + request.name().map(n -> " (" + n + ")").orElse("") + " is not on disk; tried " + String.join(", ",
                tried) + ". evomerge reads datasets offline: download it once into the Hugging Face cache"
                + " (huggingface-cli download " + request.path() + " --repo-type dataset), or point dataset_path at a"
                + " local file or folder (JSON, JSONL, CSV, Parquet, Arrow)", null);
    }

    private static List<Path> localCandidates(Request request, String path) {
        Path given = Path.of(expandHome(path, request.environment()));
        if (given.isAbsolute()) {
            return List.of(given.normalize());
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(request.taskFolder().resolve(given).normalize());
        Path fromWorkingDirectory = request.workingDirectory().resolve(given).normalize();
        if (!candidates.contains(fromWorkingDirectory)) {
            candidates.add(fromWorkingDirectory);
        }
        return candidates;
    }

    private static String expandHome(String path, Map<String, String> environment) {
        if (path.equals("~") || path.startsWith("~/")) {
            return environment.getOrDefault("HOME", System.getProperty("user.home")) + path.substring(1);
        }
        return path;
    }

    /** {@code load_dataset("json", data_files=...)} and its siblings. */
    private static Found packaged(Request request) {
        Object dataFiles = request.kwargs().get("data_files");
        Object dataDir = request.kwargs().get("data_dir");
        if (dataFiles == null && dataDir == null) {
            throw EvomergeException.configuration("lm-eval task '" + request.task() + "': dataset_path '"
                    + request.path() + "' needs dataset_kwargs.data_files (or data_dir) naming the files");
        }
        if (dataFiles == null) {
            Path folder = localCandidates(request, dataDir.toString()).stream().filter(Files::isDirectory)
                    .findFirst().orElseThrow(() -> missing(request, "data_dir " + dataDir,
                            localCandidates(request, dataDir.toString())));
            return new Found(folder.toString(), inferSplits(folder, filesUnder(folder)));
        }
        Map<String, List<Path>> splits = new LinkedHashMap<>();
        dataFiles(dataFiles).forEach((split, patterns) -> splits.put(split, resolveLocal(request, patterns)));
        return new Found("data_files " + dataFiles, splits);
    }

    /** {@code data_files} as datasets reads it: a text or list is the train split; a mapping names splits. */
    private static Map<String, List<String>> dataFiles(Object given) {
        Map<String, List<String>> splits = new LinkedHashMap<>();
        if (given instanceof Map<?, ?> map) {
            map.forEach((split, files) -> splits.put(String.valueOf(split), texts(files)));
        } else if (given instanceof List<?> list && !list.isEmpty() && list.getFirst() instanceof Map<?, ?>) {
            // The dataset card's form: [{split: test, path: ...}, ...]
            for (Object item : list) {
                Map<?, ?> entry = (Map<?, ?>) item;
                splits.put(String.valueOf(entry.get("split") == null ? "train" : entry.get("split")),
                        texts(entry.get("path")));
            }
        } else {
            splits.put("train", texts(given));
        }
        return splits;
    }

    private static List<String> texts(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return value == null ? List.of() : List.of(value.toString());
    }

    /** Files (or glob patterns) relative to the task folder, else the working folder. */
    private static List<Path> resolveLocal(Request request, List<String> patterns) {
        List<Path> files = new ArrayList<>();
        for (String pattern : patterns) {
            List<Path> candidates = localCandidates(request, pattern);
            List<Path> matched = List.of();
            for (Path candidate : candidates) {
                matched = isGlob(pattern) ? glob(candidate) : Files.isRegularFile(candidate) ? List.of(candidate)
                        : List.of();
                if (!matched.isEmpty()) {
                    break;
                }
            }
            if (matched.isEmpty()) {
                throw missing(request, "data file " + pattern, candidates);
            }
            files.addAll(matched);
        }
        return files;
    }

    private static EvomergeException missing(Request request, String what, List<Path> tried) {
        return EvomergeException.input("lm-eval task '" + request.task() + "': " + what + " is not on disk; tried "
                + String.join(", ", tried.stream().map(Path::toString).toList()) + " (relative paths are read against"
                + " the task file's folder, then the working folder)", null);
    }

    private static boolean isGlob(String pattern) {
        return pattern.contains("*") || pattern.contains("?") || pattern.contains("[");
    }

    /** The files matching an absolute glob pattern, in name order. */
    private static List<Path> glob(Path pattern) {
        Path root = pattern.getRoot();
        Path base = root;
        for (Path part : pattern) {
            if (isGlob(part.toString())) {
                break;
            }
            base = base.resolve(part);
        }
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern.toString()
                .replace("\\", "\\\\"));
        try (Stream<Path> walk = Files.walk(base)) {
            return walk.filter(Files::isRegularFile).filter(matcher::matches).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A local folder or a hub snapshot, read as {@code load_dataset(folder, name)} reads it. */
    private static Found folder(Request request, Path folder) {
        if (request.kwargs().get("data_files") != null) {
            Map<String, List<Path>> splits = new LinkedHashMap<>();
            dataFiles(request.kwargs().get("data_files")).forEach((split, patterns) -> {
                List<Path> files = new ArrayList<>();
                for (String pattern : patterns) {
                    Path p = folder.resolve(pattern).normalize();
                    files.addAll(isGlob(pattern) ? glob(p) : Files.isRegularFile(p) ? List.of(p) : List.of());
                }
                if (files.isEmpty()) {
                    throw missing(request, "data file " + patterns, List.of(folder.resolve(patterns.getFirst())));
                }
                splits.put(split, files);
            });
            return new Found(folder.toString(), splits);
        }
        if (Files.isRegularFile(folder.resolve("dataset_dict.json"))) {
            return saveToDisk(folder);
        }
        Optional<Map<String, List<String>>> card = cardDataFiles(request, folder);
        if (card.isPresent()) {
            Map<String, List<Path>> splits = new LinkedHashMap<>();
            card.get().forEach((split, patterns) -> {
                List<Path> files = new ArrayList<>();
                patterns.forEach(p -> files.addAll(glob(folder.resolve(p).normalize())));
                splits.put(split, files);
            });
            return new Found(folder + " (README.md configs" + request.name().map(n -> ", " + n).orElse("") + ")",
                    splits);
        }
        Path searched = folder;
        Object dataDir = request.kwargs().get("data_dir");
        if (dataDir != null && Files.isDirectory(folder.resolve(dataDir.toString()))) {
            searched = folder.resolve(dataDir.toString());
        } else if (request.name().isPresent() && Files.isDirectory(folder.resolve(request.name().get()))) {
            searched = folder.resolve(request.name().get());
        }
        return new Found(searched.toString(), inferSplits(searched, filesUnder(searched)));
    }

    /** A {@code Dataset.save_to_disk} / {@code DatasetDict.save_to_disk} folder: one folder of Arrow files per split. */
    private static Found saveToDisk(Path folder) {
        Map<String, List<Path>> splits = new LinkedHashMap<>();
        try (Stream<Path> children = Files.list(folder)) {
            for (Path split : children.filter(Files::isDirectory).sorted().toList()) {
                List<Path> files = filesUnder(split).stream().filter(p -> p.toString().endsWith(".arrow")).toList();
                if (!files.isEmpty()) {
                    splits.put(split.getFileName().toString(), files);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Found(folder + " (save_to_disk)", splits);
    }

    /**
     * The data files of the dataset card's {@code configs} entry for the requested config (by {@code config_name};
     * without a name the one marked {@code default: true}, else the only one).
     */
    private static Optional<Map<String, List<String>>> cardDataFiles(Request request, Path folder) {
        Path readme = folder.resolve("README.md");
        if (!Files.isRegularFile(readme)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(readme, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!text.startsWith("---")) {
            return Optional.empty();
        }
        int end = text.indexOf("\n---", 3);
        if (end < 0) {
            return Optional.empty();
        }
        Object card;
        try {
            card = new Yaml(new SafeConstructor(new LoaderOptions())).load(text.substring(3, end));
        } catch (YAMLException e) {
            return Optional.empty();
        }
        if (!(card instanceof Map<?, ?> map) || !(map.get("configs") instanceof List<?> configs)) {
            return Optional.empty();
        }
        Map<?, ?> chosen = null;
        List<String> names = new ArrayList<>();
        for (Object config : configs) {
            if (config instanceof Map<?, ?> entry) {
                String name = String.valueOf(entry.get("config_name") == null ? "default" : entry.get("config_name"));
                names.add(name);
                boolean wanted = request.name().map(name::equals)
                        .orElse(Boolean.TRUE.equals(entry.get("default")) || configs.size() == 1);
                if (wanted && chosen == null) {
                    chosen = entry;
                }
            }
        }
        if (chosen == null) {
            throw EvomergeException.input("lm-eval task '" + request.task() + "': " + readme + " has no config "
                    + request.name().map(n -> "'" + n + "'").orElse("marked default") + " (its configs: "
                    + String.join(", ", names) + "); set dataset_name to one of them", null);
        }
        return Optional.of(dataFiles(chosen.get("data_files")));
    }

    /**
     * Splits by file and folder names, as {@code datasets} infers them: a keyword of the split ({@code train},
     * {@code test}, {@code validation}, and their synonyms) starting a file name or set off by {@code - . _ space} or
     * digits, or naming a folder on the way; no split found means every file is {@code train}.
     */
    static Map<String, List<Path>> inferSplits(Path folder, List<Path> files) {
        Map<String, List<Path>> splits = new LinkedHashMap<>();
        for (String split : List.of("train", "validation", "test")) {
            List<Path> matched = files.stream().filter(f -> SPLIT_KEYWORDS.get(split).stream()
                    .anyMatch(k -> namesSplit(folder.relativize(f), k))).toList();
            if (!matched.isEmpty()) {
                splits.put(split, matched);
            }
        }
        if (splits.isEmpty() && !files.isEmpty()) {
            splits.put("train", files);
        }
        return splits;
    }

    private static boolean namesSplit(Path relative, String keyword) {
        for (int i = 0; i + 1 < relative.getNameCount(); i++) {
            if (relative.getName(i).toString().toLowerCase(Locale.ROOT).equals(keyword)) {
                return true;
            }
        }
        String file = relative.getFileName().toString().toLowerCase(Locale.ROOT);
        String delimiters = "[-._ 0-9]";
        return file.matches(keyword + "(" + delimiters + ".*)?") || file.matches(".*" + delimiters + keyword
                + "(" + delimiters + ".*)?");
    }

    /** The readable data files below {@code folder}, in path order; hidden files and folders skipped. */
    static List<Path> filesUnder(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> java.util.stream.StreamSupport.stream(folder.relativize(p).spliterator(), false)
                            .noneMatch(part -> part.toString().startsWith(".")))
                    .filter(p -> EXTENSIONS.stream().anyMatch(e -> p.getFileName().toString()
                            .toLowerCase(Locale.ROOT).endsWith(e)))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code HF_HOME}: {@code $HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}. */
    static Path hfHome(Map<String, String> environment) {
        String home = environment.get("HF_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        String xdg = environment.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "huggingface");
        }
        return Path.of(environment.getOrDefault("HOME", System.getProperty("user.home")), ".cache", "huggingface");
    }

    /**
     * The Arrow files {@code datasets} prepared in its cache: {@code ORG___NAME} (datasets 2.14 and later), else
     * {@code ORG--NAME} or {@code NAME}; the config's folder ({@code default} without a name); the most recently
     * written complete version ({@code dataset_info.json} beside the files).
     */
    private static Optional<Found> datasetsCache(Request request, List<String> tried) {
        String cache = request.environment().get("HF_DATASETS_CACHE");
        Path root = cache != null && !cache.isBlank() ? Path.of(cache) : hfHome(request.environment()).resolve(
                "datasets");
        String id = request.path();
        List<String> folders = new ArrayList<>();
        if (id.contains("/")) {
            folders.add(id.replace("/", "___"));
            folders.add(id.replace("/", "--"));
            folders.add(id.substring(id.lastIndexOf('/') + 1));
        } else {
            folders.add(id);
        }
        String config = request.name().orElse("default");
        for (String name : folders) {
            Path configFolder = root.resolve(name).resolve(config);
            tried.add(configFolder.toString());
            if (!Files.isDirectory(configFolder)) {
                continue;
            }
            List<Path> prepared;
            try (Stream<Path> walk = Files.walk(configFolder, 2)) {
                prepared = walk.filter(p -> Files.isRegularFile(p.resolve("dataset_info.json")))
                        .sorted(Comparator.comparing(DatasetLocator::modified).reversed()).toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (Path folder : prepared) {
                Map<String, List<Path>> splits = arrowSplits(folder);
                if (!splits.isEmpty()) {
                    return Optional.of(new Found(folder + " (datasets cache)", splits));
                }
            }
        }
        return Optional.empty();
    }

    /** {@code BUILDER-SPLIT.arrow} and {@code BUILDER-SPLIT-00000-of-00002.arrow} by split. */
    private static Map<String, List<Path>> arrowSplits(Path folder) {
        Map<String, List<Path>> splits = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".arrow")).sorted().toList()) {
                String stem = file.getFileName().toString();
                stem = stem.substring(0, stem.length() - ".arrow".length()).replaceFirst("-\\d{5}-of-\\d{5}$", "");
                int dash = stem.lastIndexOf('-');
                if (dash > 0) {
                    splits.computeIfAbsent(stem.substring(dash + 1), s -> new ArrayList<>()).add(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return splits;
    }

    /** The hub cache's snapshot of the dataset repository: the one {@code refs/main} names, else the newest. */
    private static Optional<Path> hubSnapshot(Request request, List<String> tried) {
        String cache = request.environment().get("HF_HUB_CACHE");
        Path root = cache != null && !cache.isBlank() ? Path.of(cache) : hfHome(request.environment()).resolve("hub");
        Path repository = root.resolve("datasets--" + request.path().replace("/", "--"));
        tried.add(repository.resolve("snapshots").toString());
        Path snapshots = repository.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return Optional.empty();
        }
        try {
            Path main = repository.resolve("refs").resolve("main");
            if (Files.isRegularFile(main)) {
                Path named = snapshots.resolve(Files.readString(main).strip());
                if (Files.isDirectory(named)) {
                    return Optional.of(named);
                }
            }
            try (Stream<Path> children = Files.list(snapshots)) {
                return children.filter(Files::isDirectory).max(Comparator.comparing(DatasetLocator::modified));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime modified(Path path) {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
