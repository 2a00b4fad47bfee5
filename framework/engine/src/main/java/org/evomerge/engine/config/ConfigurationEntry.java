package org.evomerge.engine.config;

/**
 * One configuration key as resolved.
 *
 * @param key    e.g. {@code compute.backend}
 * @param value  the value as given (lists comma-separated)
 * @param source the layer that set it: "the command line", "the environment", a file path, or "built-in defaults"
 */
public record ConfigurationEntry(String key, String value, String source) {
}
