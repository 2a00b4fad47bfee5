package org.evomerge.api.extension;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.evomerge.api.Stable;
import org.evomerge.api.parameter.ParameterSchema;

/**
 * What an extension is, as data: the host lists it, validates parameters against its schema before anything runs,
 * and writes {@code id@version} into the provenance of every output so runs can be replayed.
 *
 * @param id           stable identifier, lower case with {@code _} or {@code -} (e.g. {@code ties}); unique per kind
 * @param version      the extension's own version ({@code major.minor.patch}), bumped when its results change
 * @param kind         which extension point it implements
 * @param description  one line for {@code plugins info}
 * @param parameters   the parameters it accepts, with types, defaults and ranges
 * @param capabilities what it can do
 */
@Stable(since = "0.1.0")
public record ExtensionDescriptor(
        String id,
        String version,
        ExtensionKind kind,
        String description,
        ParameterSchema parameters,
        Set<Capability> capabilities) {

    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9]*([_-][a-z0-9]+)*");
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.-]+)?");

    public ExtensionDescriptor {
        Objects.requireNonNull(kind, "kind");
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("extension id must be lower case letters, digits, '_' or '-': '" + id + "'");
        }
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("extension '" + id + "' version must be major.minor.patch: '" + version + "'");
        }
        description = description == null ? "" : description;
        parameters = parameters == null ? ParameterSchema.EMPTY : parameters;
        capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
    }

    public boolean has(Capability capability) {
        return capabilities.contains(capability);
    }
}
