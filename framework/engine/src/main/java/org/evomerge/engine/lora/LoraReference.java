package org.evomerge.engine.lora;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * mergekit's LoRA reference {@code MODEL+ADAPTER}: the model with a PEFT adapter folder applied to it as it is read.
 * The text is split at its first {@code +}, as mergekit splits it; a path that exists as written is a plain path even
 * if it holds a {@code +}.
 *
 * @param model   the model's folder or file
 * @param adapter the PEFT adapter folder ({@code adapter_config.json}, {@code adapter_model.safetensors})
 */
public record LoraReference(Path model, Path adapter) {

    /** What separates the model from the adapter in a reference. */
    public static final char SEPARATOR = '+';

    public LoraReference {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(adapter, "adapter");
    }

    /** Whether {@code reference} is written as {@code MODEL+ADAPTER}. */
    public static boolean isWritten(String reference) {
        int at = reference.indexOf(SEPARATOR);
        return at > 0 && at < reference.length() - 1;
    }

    /** The two parts of {@code MODEL+ADAPTER} as written, or empty for a plain reference. */
    public static Optional<String[]> split(String reference) {
        if (!isWritten(reference)) {
            return Optional.empty();
        }
        int at = reference.indexOf(SEPARATOR);
        return Optional.of(new String[] {reference.substring(0, at), reference.substring(at + 1)});
    }

    /**
     * The LoRA reference a located path stands for: {@code path} as {@link #path()} wrote it, when nothing exists at
     * the path as a whole.
     */
    public static Optional<LoraReference> of(Path path) {
        if (Files.exists(path)) {
            return Optional.empty();
        }
        return split(path.toString()).map(parts -> new LoraReference(Path.of(parts[0]), Path.of(parts[1])));
    }

    /** The reference as one path, {@code MODEL+ADAPTER}, which {@link #of(Path)} splits again. */
    public Path path() {
        return Path.of(model + String.valueOf(SEPARATOR) + adapter);
    }

    @Override
    public String toString() {
        return model + String.valueOf(SEPARATOR) + adapter;
    }
}
