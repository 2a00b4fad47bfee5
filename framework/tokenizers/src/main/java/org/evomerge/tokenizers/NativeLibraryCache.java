package org.evomerge.tokenizers;

import java.nio.file.Path;

/**
 * Where DJL extracts the tokenizers native library from its jar. DJL reads {@code ENGINE_CACHE_DIR} (then
 * {@code DJL_CACHE_DIR}, then {@code ~/.djl.ai}) as an environment variable or system property; evomerge points it
 * into its own cache unless the user chose a place, and turns on DJL's offline mode so nothing is ever downloaded.
 */
final class NativeLibraryCache {

    private NativeLibraryCache() {
    }

    static synchronized void configure() {
        if (isUnset("ENGINE_CACHE_DIR") && isUnset("DJL_CACHE_DIR")) {
            System.setProperty("ENGINE_CACHE_DIR", folder().toString());
        }
        if (isUnset("ai.djl.offline")) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (isUnset("OPT_OUT_TRACKING")) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    /** {@code $XDG_CACHE_HOME/evomerge/djl}, or {@code ~/.cache/evomerge/djl}. */
    static Path folder() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("evomerge").resolve("djl");
    }

    private static boolean isUnset(String name) {
        String env = System.getenv(name);
        String property = System.getProperty(name);
        return (env == null || env.isBlank()) && (property == null || property.isBlank());
    }
}
