package org.evomerge.runfolder;

import java.util.Objects;
import org.evomerge.api.extension.ExtensionKind;

/**
 * One extension a run used, as the journal records it: a resumed run must find the same {@code id@version} installed
 * (its scores and the strategy's replay depend on it).
 */
public record ExtensionVersion(ExtensionKind kind, String id, String version) {

    public ExtensionVersion {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
    }

    /** {@code id@version}, as provenance writes it. */
    public String coordinates() {
        return id + "@" + version;
    }

    @Override
    public String toString() {
        return kind.id() + " " + coordinates();
    }
}
