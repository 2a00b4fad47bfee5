package org.evomerge.engine.plugin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.engine.input.ClosestNames;
import org.evomerge.engine.parameter.ParameterValidator;

/**
 * Every accepted extension, by kind and id. Ids are unique per kind: the first plugin to register an id keeps it and
 * later ones are reported as conflicts.
 */
public final class ExtensionCatalog {

    private static final Map<ExtensionKind, Class<? extends ExtensionFactory>> FACTORY_TYPES = new EnumMap<>(Map.of(
            ExtensionKind.MODEL_FORMAT, ModelFormatFactory.class,
            ExtensionKind.MERGE_METHOD, MergeMethodFactory.class,
            ExtensionKind.SELECTION_SCHEME, SelectionSchemeFactory.class,
            ExtensionKind.MUTATION, MutationFactory.class,
            ExtensionKind.EVALUATOR, EvaluatorFactory.class,
            ExtensionKind.SEARCH_STRATEGY, SearchStrategyFactory.class,
            ExtensionKind.EVALUATION_EXECUTOR, org.evomerge.api.execution.EvaluationExecutorFactory.class));

    private final Map<ExtensionKind, Map<String, RegisteredExtension>> byKind = new EnumMap<>(ExtensionKind.class);

    /** The factory interface of each kind. */
    public static Class<? extends ExtensionFactory> factoryType(ExtensionKind kind) {
        return FACTORY_TYPES.get(kind);
    }

    /**
     * Checks a factory and adds it.
     *
     * @return why it was refused, or empty when it was added
     */
    public Optional<String> register(ExtensionFactory factory, String pluginId) {
        var descriptor = factory.descriptor();
        if (descriptor == null) {
            return Optional.of(factory.getClass().getName() + ": descriptor() returned null");
        }
        Class<? extends ExtensionFactory> expected = FACTORY_TYPES.get(descriptor.kind());
        if (!expected.isInstance(factory)) {
            return Optional.of(descriptor.kind().id() + " '" + descriptor.id() + "' (" + factory.getClass().getName()
                    + ") does not implement " + expected.getSimpleName());
        }
        try {
            // Defaults must satisfy the extension's own schema, or every run using it would fail later.
            ParameterValidator.validate(descriptor, Map.of(), java.util.EnumSet.allOf(
                    org.evomerge.api.parameter.ParameterScope.class), false);
        } catch (EvomergeException e) {
            return Optional.of("invalid parameter schema: " + e.getMessage());
        }
        Map<String, RegisteredExtension> ofKind = byKind.computeIfAbsent(descriptor.kind(), k -> new LinkedHashMap<>());
        RegisteredExtension existing = ofKind.get(descriptor.id());
        if (existing != null) {
            return Optional.of(descriptor.kind().id() + " '" + descriptor.id() + "' is already provided by plugin '"
                    + existing.pluginId() + "'");
        }
        ofKind.put(descriptor.id(), new RegisteredExtension(descriptor, pluginId, factory));
        return Optional.empty();
    }

    /** Every extension, grouped by kind in declaration order, then by id. */
    public List<RegisteredExtension> all() {
        List<RegisteredExtension> result = new ArrayList<>();
        for (ExtensionKind kind : ExtensionKind.values()) {
            result.addAll(ofKind(kind));
        }
        return result;
    }

    public List<RegisteredExtension> ofKind(ExtensionKind kind) {
        return byKind.getOrDefault(kind, Map.of()).values().stream()
                .sorted(Comparator.comparing(r -> r.descriptor().id())).toList();
    }

    public Optional<RegisteredExtension> find(ExtensionKind kind, String id) {
        return Optional.ofNullable(byKind.getOrDefault(kind, Map.of()).get(id));
    }

    /**
     * The factory of kind {@code type} with id {@code id}.
     *
     * @throws EvomergeException (CONFIGURATION) naming the available ids when there is none
     */
    public <F extends ExtensionFactory> F require(Class<F> type, String id) {
        ExtensionKind kind = FACTORY_TYPES.entrySet().stream().filter(e -> e.getValue().equals(type))
                .map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(type + " is not an extension point"));
        return find(kind, id).map(r -> type.cast(r.factory())).orElseThrow(() ->
                EvomergeException.configuration(unknown(kind, id)));
    }

    /**
     * The extension of kind {@code kind} with id {@code id}.
     *
     * @param where what named it, e.g. {@code run.yml: 'genome.merge_method'}; the message starts with it
     * @throws EvomergeException (CONFIGURATION) {@code WHERE: }{@link #unknown unknown ...} when there is none
     */
    public RegisteredExtension require(ExtensionKind kind, String id, String where) {
        return find(kind, id).orElseThrow(() -> EvomergeException.configuration(where + ": " + unknown(kind, id)));
    }

    /**
     * Why {@code id} names no extension of {@code kind}: {@code unknown merge-method 'tiess' (did you mean 'ties'?);
     * installed: ...}, the suggestion only when an installed id is a likely typo of it.
     */
    public String unknown(ExtensionKind kind, String id) {
        List<String> ids = ofKind(kind).stream().map(r -> r.descriptor().id()).toList();
        return "unknown " + kind.id() + " '" + id + "'" + ClosestNames.hint(id, ids) + "; installed: "
                + (ids.isEmpty() ? "none (is its plugin installed? see 'evomerge plugins list')" : String.join(", ", ids));
    }
}
