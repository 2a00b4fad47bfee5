package org.evomerge.engine.config;

/**
 * @param format the id of the model format merged and evolved models are written in ({@code safetensors}); whether
 *               an installed format writes under that id is checked where the plugins are known
 */
public record OutputSettings(String format) {

    public OutputSettings {
        if (format == null || format.isBlank()) {
            throw new IllegalArgumentException("output.format must not be empty");
        }
    }
}
