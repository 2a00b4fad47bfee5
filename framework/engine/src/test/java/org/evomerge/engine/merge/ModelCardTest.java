package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;

/** The model card's front matter follows the Hub's convention for merges; its body names what the merge used. */
class ModelCardTest {

    private static RegisteredExtension extension(String id, ExtensionKind kind, String plugin) {
        MergeMethodFactory factory = new MergeMethodFactory() {
            @Override
            public ExtensionDescriptor descriptor() {
                return new ExtensionDescriptor(id, "1.2.0", kind, "test", ParameterSchema.of(), Set.of());
            }

            @Override
            public MergeMethod create(Parameters parameters, RunContext context) {
                throw new UnsupportedOperationException();
            }
        };
        return new RegisteredExtension(factory.descriptor(), plugin, factory);
    }

    @Test
    void baseModelHoldsHubIdsTheTagsMarkAMergeAndOnlyUsedExtensionsAreListed() {
        MergeRecipe recipe = RecipeReader.parse("""
                merge_method: ties
                base_model: ../../models/f32/base
                models:
                  - model: ../../models/f32/ft1
                  - model: ../../models/f32/ft2
                """, Path.of("recipe.yml"));
        RegisteredExtension ties = extension("ties", ExtensionKind.MERGE_METHOD, "standard-merge");
        RegisteredExtension safetensors = extension("safetensors", ExtensionKind.MODEL_FORMAT, "standard-safetensors");
        String card = ModelCard.text(recipe, ties, List.of(ties, safetensors, safetensors),
                Map.of("../../models/f32/base", "meta-llama/Llama-3.2-1B", "../../models/f32/ft2", "org/ft2"),
                new MergePlan(List.of(), Map.of(), DType.F32, DType.F32), 42, "0.1.0");
        String front = card.substring(0, card.indexOf("\n---\n", 4) + 5);
        assertTrue(front.equals("""
                ---
                base_model:
                - "meta-llama/Llama-3.2-1B"
                - "org/ft2"
                library_name: transformers
                tags:
                - evomerge
                - merge
                - mergekit
                ---
                """), front);
        assertTrue(card.contains("""
                ## Extensions

                - `ties@1.2.0` (merge-method, plugin `standard-merge`)
                - `safetensors@1.2.0` (model-format, plugin `standard-safetensors`)

                """), card);
        assertTrue(card.contains("- base model: `../../models/f32/base` ([meta-llama/Llama-3.2-1B]"
                + "(https://huggingface.co/meta-llama/Llama-3.2-1B))"), card);
        assertTrue(card.contains("- `../../models/f32/ft1`\n"), card);
    }

    @Test
    void withoutHubIdsThereIsNoBaseModelList() {
        MergeRecipe recipe = RecipeReader.parse("merge_method: linear\nmodels:\n  - model: a\n  - model: b\n",
                Path.of("recipe.yml"));
        RegisteredExtension linear = extension("linear", ExtensionKind.MERGE_METHOD, "standard-merge");
        String card = ModelCard.text(recipe, linear, List.of(linear), Map.of(),
                new MergePlan(List.of(), Map.of(), DType.F32, DType.F32), 1, "0.1.0");
        assertFalse(card.contains("base_model"), card);
        assertTrue(card.startsWith("---\nlibrary_name: transformers\ntags:\n"), card);
    }
}
