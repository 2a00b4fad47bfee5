package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.tensor.Shape;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output config.json the planner derives from the reference model's. */
class MergePlannerConfigTest {

    private static final ExtensionDescriptor PLAIN = new ExtensionDescriptor("plain", "1.0.0",
            ExtensionKind.MERGE_METHOD, "test", ParameterSchema.of(), Set.of());

    @TempDir
    Path temp;

    private Map<String, Object> plannedConfig(Map<String, Object> source) {
        ModelConfig config = new ModelConfig(source, Map.of("architectures", List.of("LlamaForCausalLM"),
                "model_type", "llama", "num_hidden_layers", 1));
        String tensor = "model.layers.0.input_layernorm.weight";
        Model model = ArrayModels.of(config, Map.of(tensor, Shape.of(4)), Map.of(tensor, new float[4]));
        var recipe = RecipeReader.parse("merge_method: plain\nmodels:\n  - model: a\nout_dtype: float16\n",
                temp.resolve("recipe.yml"));
        return MergePlanner.plan(recipe, PLAIN, Map.of("a", model),
                ArchitectureCatalog.load(List.of()).findOrGeneric(config)).config();
    }

    @Test
    void theOutputDtypeIsWrittenAsDtypeAndTorchDtypeWhereTheSourceHadIt() {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("model_type", "llama");
        source.put("torch_dtype", "float32");
        source.put("vocab_size", 256);
        Map<String, Object> config = plannedConfig(source);
        // transformers 4.56 and later (mergekit's outputs) write "dtype"; older readers look for "torch_dtype".
        assertEquals(List.of("model_type", "dtype", "torch_dtype", "vocab_size"), List.copyOf(config.keySet()));
        assertEquals("float16", config.get("dtype"));
        assertEquals("float16", config.get("torch_dtype"));

        Map<String, Object> current = new LinkedHashMap<>();
        current.put("dtype", "bfloat16");
        current.put("model_type", "llama");
        assertEquals(List.of("dtype", "torch_dtype", "model_type"), List.copyOf(plannedConfig(current).keySet()));
    }

    @Test
    void aSourceWithoutADtypeGetsBothAtTheEnd() {
        Map<String, Object> config = plannedConfig(Map.of("model_type", "llama"));
        assertEquals(List.of("model_type", "dtype", "torch_dtype"), List.copyOf(config.keySet()));
        assertEquals("float16", config.get("dtype"));
    }
}
