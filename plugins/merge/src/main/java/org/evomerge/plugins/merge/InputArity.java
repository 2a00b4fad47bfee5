package org.evomerge.plugins.merge;

import java.util.List;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.merge.InputModel;
import org.evomerge.api.merge.MergeInput;

/**
 * The model-count and base-model checks shared by this plugin's linear, SLERP-family, Karcher, SCE, model stock,
 * nearswap, Arcee fusion and passthrough methods. Every failure is a configuration error whose one-line message names
 * the tensor and the method. The checks read only the {@link MergeInput}, so a method makes them before any pass over
 * the values.
 */
final class InputArity {

    private InputArity() {
    }

    /** A configuration error for {@code input}'s tensor under {@code method}. */
    static EvomergeException error(MergeInput input, String method, String problem) {
        return error(input.tensorName(), method, problem);
    }

    /** A configuration error for tensor {@code tensorName} under {@code method}. */
    static EvomergeException error(String tensorName, String method, String problem) {
        return EvomergeException.configuration(tensorName + ": merge method '" + method + "' " + problem);
    }

    /** The base model, or a configuration error when the recipe names none (or the base lacks the tensor). */
    static InputModel requireBase(MergeInput input, String method) {
        return input.base().orElseThrow(() -> error(input, method,
                "needs a base model (base_model) that has this tensor"));
    }

    /** Checks that exactly {@code expected} non-base models are given. */
    static List<InputModel> requireModels(MergeInput input, String method, int expected, String what) {
        if (input.models().size() != expected) {
            throw error(input, method, "expects " + what + ", got " + describe(input));
        }
        return input.models();
    }

    /** Checks that at least {@code minimum} non-base models are given. */
    static List<InputModel> requireAtLeast(MergeInput input, String method, int minimum, String what) {
        if (input.models().size() < minimum) {
            throw error(input, method, "expects " + what + ", got " + describe(input));
        }
        return input.models();
    }

    /**
     * Whether exactly one input (model or base) has this tensor. mergekit returns such a tensor unchanged: it happens
     * when the other models lack the tensor.
     */
    static boolean loneTensor(MergeInput input) {
        return input.models().size() + (input.base().isPresent() ? 1 : 0) == 1;
    }

    /** Whether no other model than the base has this tensor (mergekit returns the base then). */
    static boolean baseOnly(MergeInput input) {
        return input.models().isEmpty() && input.base().isPresent();
    }

    private static String describe(MergeInput input) {
        int models = input.models().size();
        return models + (models == 1 ? " model" : " models") + (input.base().isPresent() ? " and a base model" : "")
                + " for this tensor";
    }
}
