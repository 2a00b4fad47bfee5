package org.evomerge.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this API, as {@code major.minor.patch}. The plugin host compares it with each plugin's
 * {@code plugin.requires} expression; a plugin that needs a newer API is refused with a message naming it.
 */
@Stable(since = "0.1.0")
public record ApiVersion(int major, int minor, int patch) implements Comparable<ApiVersion> {

    public ApiVersion {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version numbers must not be negative: " + major + "." + minor + "." + patch);
        }
    }

    /** The version of the API jar on the class path (read from its own resource, so it cannot be inlined). */
    public static ApiVersion current() {
        try (InputStream in = ApiVersion.class.getResourceAsStream("/META-INF/evomerge-api.properties")) {
            if (in == null) {
                throw new IllegalStateException("evomerge-api.properties is missing from the API jar");
            }
            Properties properties = new Properties();
            properties.load(in);
            return parse(properties.getProperty("api.version"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@code X.Y.Z}; a pre-release or build suffix ({@code -SNAPSHOT}, {@code +abc}) is ignored. */
    public static ApiVersion parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("version is missing");
        }
        String core = text.strip().split("[-+]", 2)[0];
        String[] parts = core.split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a major.minor.patch version: '" + text + "'");
        }
        try {
            return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a major.minor.patch version: '" + text + "'", e);
        }
    }

    @Override
    public int compareTo(ApiVersion other) {
        int c = Integer.compare(major, other.major);
        if (c == 0) {
            c = Integer.compare(minor, other.minor);
        }
        return c != 0 ? c : Integer.compare(patch, other.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
