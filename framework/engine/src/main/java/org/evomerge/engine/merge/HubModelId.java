package org.evomerge.engine.merge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hugging Face Hub id ({@code org/name}) a local model stands for, for the {@code base_model} list of model
 * cards: the Hub's convention for merges, which links a merge to its sources. evomerge reads local folders only, so
 * the id comes from the folder itself: a Hub cache snapshot ({@code .../models--org--name/snapshots/REVISION})
 * names its repository, and a {@code config.json} saved by transformers often names its origin in
 * {@code _name_or_path}. A local path is never an id: a card with {@code ../../models/base} links nowhere.
 */
public final class HubModelId {

    /** A repository name part: letters, digits, '-', '_', '.', not starting with '-' or '.', at most 96 long. */
    private static final String PART = "[A-Za-z0-9_][A-Za-z0-9._-]{0,95}";
    private static final Pattern ID = Pattern.compile(PART + "/" + PART);
    /** The cache also holds the Hub's few legacy ids without an organisation ({@code gpt2}). */
    private static final Pattern CACHED_ID = Pattern.compile("(" + PART + "/)?" + PART);
    private static final String CACHE_PREFIX = "models--";

    private HubModelId() {
    }

    /**
     * @param location the model's folder (or file, for single-file formats)
     * @param config   its raw configuration ({@code _name_or_path} is read from it)
     * @return the Hub id, or empty when neither the path nor the configuration names one
     */
    public static Optional<String> of(Path location, Map<String, Object> config) {
        Optional<String> cached = fromCachePath(location);
        if (cached.isPresent()) {
            return cached;
        }
        return config.get("_name_or_path") instanceof String name && looksLikeId(name)
                ? Optional.of(name) : Optional.empty();
    }

    /** {@code org/name} of a folder (or a file in it) {@code models--org--name/snapshots/REVISION} of the Hub cache. */
    static Optional<String> fromCachePath(Path location) {
        Path snapshot = location.toAbsolutePath().normalize();
        if (Files.isRegularFile(snapshot) && snapshot.getParent() != null) {
            snapshot = snapshot.getParent();
        }
        Path snapshots = snapshot.getParent();
        Path repository = snapshots == null ? null : snapshots.getParent();
        if (repository == null || repository.getFileName() == null
                || !snapshots.getFileName().toString().equals("snapshots")) {
            return Optional.empty();
        }
        String folder = repository.getFileName().toString();
        if (!folder.startsWith(CACHE_PREFIX)) {
            return Optional.empty();
        }
        // The cache writes "org/name" as "org--name"; the Hub forbids "--" inside names, so the split is unambiguous.
        String id = folder.substring(CACHE_PREFIX.length()).replace("--", "/");
        return CACHED_ID.matcher(id).matches() && !id.contains("..") ? Optional.of(id) : Optional.empty();
    }

    /** Whether {@code text} has the shape of a Hub repository id {@code org/name}. */
    static boolean looksLikeId(String text) {
        return ID.matcher(text).matches() && !text.contains("--") && !text.contains("..");
    }
}
