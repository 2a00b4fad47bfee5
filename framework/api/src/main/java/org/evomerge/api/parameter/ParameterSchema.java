package org.evomerge.api.parameter;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.Stable;

/** The parameters an extension accepts, in the order help output shows them. Names are unique. */
@Stable(since = "0.1.0")
public record ParameterSchema(List<ParameterSpec> parameters) {

    public static final ParameterSchema EMPTY = new ParameterSchema(List.of());

    public ParameterSchema {
        parameters = parameters == null ? List.of() : List.copyOf(parameters);
        Set<String> seen = new HashSet<>();
        for (ParameterSpec spec : parameters) {
            if (!seen.add(spec.name())) {
                throw new IllegalArgumentException("parameter '" + spec.name() + "' is declared twice");
            }
        }
    }

    public static ParameterSchema of(ParameterSpec... parameters) {
        return new ParameterSchema(List.of(parameters));
    }

    public Optional<ParameterSpec> find(String name) {
        return parameters.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public List<ParameterSpec> inScope(ParameterScope scope) {
        return parameters.stream().filter(p -> p.scope() == scope).toList();
    }
}
