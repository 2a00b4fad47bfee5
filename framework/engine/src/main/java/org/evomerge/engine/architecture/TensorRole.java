package org.evomerge.engine.architecture;

import java.util.Locale;

/** What a tensor does in a model, as far as merging and inspection care. */
public enum TensorRole {
    EMBEDDING,
    POSITION_EMBEDDING,
    NORM,
    ATTENTION,
    MLP,
    FINAL_NORM,
    OUTPUT_HEAD,
    /** Matched by no pattern of the architecture (or no architecture is known). */
    OTHER;

    /** The lower-case name used in description files and JSON output. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static TensorRole fromId(String id) {
        for (TensorRole role : values()) {
            if (role.id().equals(id)) {
                return role;
            }
        }
        return null;
    }
}
