package org.evomerge.engine.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.evomerge.api.EvomergeException;

/**
 * Models named as recipes name them on the Hugging Face Hub, {@code org/name} or {@code org/name@revision}, found in
 * the local hub cache, offline, as {@code huggingface_hub}'s {@code try_to_load_from_cache} finds them: the cache
 * folder is {@code HF_HUB_CACHE} (else the older {@code HUGGINGFACE_HUB_CACHE}, else {@code HF_HOME/hub}, else
 * {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}); the repository is
 * {@code models--org--name}; the revision (default {@code main}) is a file of {@code refs/} (a branch, a tag,
 * {@code pr/1}) holding a commit hash, else taken as the commit hash itself, and the model is the folder
 * {@code snapshots/<hash>/}. As there, a hash must be written in full: a prefix names nothing. Nothing is ever
 * downloaded. The one place model references become cache folders: recipes, run files, mergekit-evolve
 * configurations and the command line ({@code eval}, {@code inspect}, ...) all ask here. Immutable, thread-safe.
 */
public final class HubCacheModels {

    /** A repository name part, as the Hub allows it. */
    private static final String PART = "[A-Za-z0-9_][A-Za-z0-9._-]{0,95}";
    private static final Pattern REFERENCE = Pattern.compile("(" + PART + ")/(" + PART + ")(?:@([^@+\\s]+))?");
    private static final String DEFAULT_REVISION = "main";

    private final Path cache;

    private HubCacheModels(Path cache) {
        this.cache = cache;
    }

    /**
     * The cache the environment names.
     *
     * @param environment the process environment ({@code HF_HUB_CACHE}, {@code HUGGINGFACE_HUB_CACHE}, {@code HF_HOME},
     *                    {@code XDG_CACHE_HOME})
     * @param userHome    the user's home folder
     */
    public static HubCacheModels of(Map<String, String> environment, Path userHome) {
        return new HubCacheModels(cacheFolder(environment, userHome));
    }

    /** The cache of this process's environment and user. */
    public static HubCacheModels fromSystem() {
        return of(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    private static Path cacheFolder(Map<String, String> environment, Path userHome) {
        for (String variable : new String[] {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"}) {
            String value = environment.get(variable);
            if (value != null && !value.isEmpty()) {
                return expandHome(value, userHome);
            }
        }
        String home = environment.get("HF_HOME");
        if (home != null && !home.isEmpty()) {
            return expandHome(home, userHome).resolve("hub");
        }
        String xdg = environment.get("XDG_CACHE_HOME");
        Path caches = xdg != null && !xdg.isEmpty() ? expandHome(xdg, userHome) : userHome.resolve(".cache");
        return caches.resolve("huggingface").resolve("hub");
    }

    private static Path expandHome(String value, Path userHome) {
        return value.equals("~") ? userHome : value.startsWith("~/") ? userHome.resolve(value.substring(2))
                : Path.of(value);
    }

    /** The cache folder looked in. */
    public Path cache() {
        return cache;
    }

    /** Whether {@code reference} has the shape of a Hub model id, {@code org/name} or {@code org/name@revision}. */
    public static boolean isHubReference(String reference) {
        Matcher m = REFERENCE.matcher(reference);
        return m.matches() && !reference.contains("--") && !reference.contains("..");
    }

    /**
     * Whether {@code reference} is a Hub id whose repository the cache holds (in some revision): where a reference
     * may as well be a local path that is not there yet (a run file is read before its models are opened), the cache
     * is asked only then.
     */
    public boolean holds(String reference) {
        Matcher m = REFERENCE.matcher(reference);
        return isHubReference(reference) && m.matches()
                && Files.isDirectory(cache.resolve("models--" + m.group(1) + "--" + m.group(2)));
    }

    /**
     * The snapshot folder of {@code reference}.
     *
     * @return empty when the reference is not a Hub id ({@link #isHubReference})
     * @throws EvomergeException (configuration) when it is one the cache does not hold: one line naming
     *                           {@code where}, the folders looked in, and that nothing is downloaded
     */
    public Optional<Path> resolve(String reference, String where) {
        return resolve(reference, where, List.of());
    }

    /**
     * As {@link #resolve(String, String)}; a reference the cache does not hold is reported with the local paths
     * {@code lookedLocally} that were tried first.
     */
    public Optional<Path> resolve(String reference, String where, List<Path> lookedLocally) {
        if (!isHubReference(reference)) {
            return Optional.empty();
        }
        Matcher m = REFERENCE.matcher(reference);
        m.matches();
        String revision = m.group(3) == null ? DEFAULT_REVISION : m.group(3);
        Path repository = cache.resolve("models--" + m.group(1) + "--" + m.group(2));
        if (!Files.isDirectory(repository)) {
            throw missing(where, reference, lookedLocally, "no " + repository);
        }
        String commit = revision;
        try {
            Path ref = repository.resolve("refs").resolve(revision).normalize();
            if (ref.startsWith(repository.resolve("refs")) && Files.isRegularFile(ref)) {
                commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            }
        } catch (IOException | InvalidPathException e) {
            throw missing(where, reference, lookedLocally, "cannot read " + repository.resolve("refs").resolve(revision) + ": "
                    + e.getMessage());
        }
        Path snapshot;
        try {
            snapshot = repository.resolve("snapshots").resolve(commit).normalize();
        } catch (InvalidPathException e) {
            throw missing(where, reference, lookedLocally, "no snapshot '" + commit + "' in " + repository.resolve("snapshots"));
        }
        if (!snapshot.startsWith(repository.resolve("snapshots")) || !Files.isDirectory(snapshot)) {
            String how = commit.equals(revision) ? "no refs/" + revision + " and no snapshots/" + revision
                    : "refs/" + revision + " is " + commit + ", not in snapshots/";
            throw missing(where, reference, lookedLocally, how + " in " + repository);
        }
        return Optional.of(snapshot);
    }

    private static EvomergeException missing(String where, String reference, List<Path> lookedLocally,
                                             String what) {
        String local = lookedLocally.isEmpty() ? "a local path" : String.join(" or ", lookedLocally.stream()
                .map(p -> p.normalize().toString()).toList());
        return EvomergeException.configuration(where + ": model '" + reference + "' is not " + local + " and not in"
                + " the Hugging Face hub cache (" + what + "); evomerge reads models offline and downloads nothing:"
                + " fetch it first (huggingface-cli download " + reference.split("@", 2)[0] + "), or set HF_HUB_CACHE"
                + " or HF_HOME to the cache that holds it");
    }
}
