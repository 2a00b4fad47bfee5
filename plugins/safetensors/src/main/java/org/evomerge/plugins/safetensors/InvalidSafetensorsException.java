package org.evomerge.plugins.safetensors;

/**
 * A safetensors file or index that breaks the format. Carries the reason only; the caller adds the file's path and
 * turns it into an input error, so parsing stays independent of where the bytes came from.
 */
final class InvalidSafetensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidSafetensorsException(String reason) {
        super(reason, null, false, false);
    }
}
