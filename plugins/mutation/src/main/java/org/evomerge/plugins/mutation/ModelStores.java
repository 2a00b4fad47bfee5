package org.evomerge.plugins.mutation;

import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.parameter.InvalidParameterException;

/** What the whole-model mutations of this plugin need from the run: its model store, and tensor-name filters. */
final class ModelStores {

    private ModelStores() {
    }

    static ModelStore require(Optional<ModelStore> store, String mutation) {
        return store.orElseThrow(() -> EvomergeException.configuration(
                mutation + ": mutating whole models needs the run's model store, which this host does not offer"));
    }

    /** The compiled {@code exclude} pattern, or {@code null} when it is empty. */
    static Pattern pattern(String mutation, String regex) {
        if (regex.isEmpty()) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new InvalidParameterException(mutation, "exclude", "not a regular expression: " + e.getDescription());
        }
    }
}
