package org.evomerge.engine.config;

/**
 * @param backend {@code auto}, {@code cpu} or a backend id
 * @param threads worker threads, at least 1 (0 in files means one per core, resolved before this record is made)
 */
public record ComputeSettings(String backend, int threads) {

    public ComputeSettings {
        if (backend == null || backend.isBlank()) {
            throw new IllegalArgumentException("compute.backend must not be empty");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("compute.threads must be at least 1");
        }
    }
}
