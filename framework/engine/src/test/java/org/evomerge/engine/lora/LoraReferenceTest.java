package org.evomerge.engine.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code MODEL+ADAPTER} in a recipe is located part by part and opened with the adapter applied. */
class LoraReferenceTest {

    @TempDir
    Path temp;

    static final class TestSafetensors implements ModelFormatFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return new ExtensionDescriptor("safetensors", "1.0.0", ExtensionKind.MODEL_FORMAT, "test",
                    new ParameterSchema(List.of()), Set.of(Capability.WRITABLE));
        }

        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            return new SafetensorsTestFormat();
        }
    }

    static ModelFormats formats(Path temp) throws IOException {
        ExtensionCatalog catalog = new ExtensionCatalog();
        catalog.register(new TestSafetensors(), "tests");
        return ModelFormats.from(catalog, new DefaultRunContext(new SeededRandomSource(1), new ReferenceBackend(),
                ProgressReporter.SILENT, ScratchDirectory.create(temp.resolve("scratch"), false), 1, Map.of()));
    }

    static void write(Path file, List<? extends Tensor> tensors) throws IOException {
        Map<TensorInfo, MemorySegment> map = new LinkedHashMap<>();
        tensors.forEach(t -> map.put(t.info(), t.data()));
        SafetensorsTestFormat.write(file, map);
    }

    @Test
    void aRecipeReferenceModelPlusAdapterOpensTheModelWithTheAdapterApplied() throws IOException {
        Path models = Files.createDirectories(temp.resolve("models"));
        try (Model base = LoraAdaptedModelTest.base()) {
            write(models.resolve("base.safetensors"), base.tensors().tensors().stream()
                    .map(i -> base.tensors().tensor(i.name())).toList());
        }
        Path adapter = Files.createDirectories(models.resolve("adapter"));
        Files.writeString(adapter.resolve(LoraAdapter.CONFIG_FILE), "{\"r\": 2, \"lora_alpha\": 4}");
        String q = "model.layers.0.self_attn.q_proj";
        write(adapter.resolve(LoraAdapter.WEIGHTS_FILE), List.of(
                org.evomerge.api.tensor.InMemoryTensor.ofFloats(LoraAdapter.PREFIX + q + ".lora_A.weight",
                        org.evomerge.api.tensor.Shape.of(2, 3), 1, 0, 1, 0, 1, 0),
                org.evomerge.api.tensor.InMemoryTensor.ofFloats(LoraAdapter.PREFIX + q + ".lora_B.weight",
                        org.evomerge.api.tensor.Shape.of(2, 2), 1, 2, 0, 1)));

        MergeRecipe recipe = RecipeReader.parse("merge_method: linear\nmodels:\n"
                + "  - model: base.safetensors+adapter\n", models.resolve("recipe.yml"));
        String reference = recipe.modelReferences().getFirst();
        Path located = recipe.locate(reference, temp); // not in the working directory: beside the recipe
        assertEquals(new LoraReference(models.resolve("base.safetensors"), adapter), LoraReference.of(located)
                .orElseThrow());
        ModelFormats formats = formats(temp);
        ModelFormats.Installed installed = formats.forPath(located);
        assertEquals("safetensors", installed.id());
        try (Model model = installed.format().open(located)) {
            assertTrue(model instanceof LoraAdaptedModel);
            assertArrayEquals(new float[] {3, 6, 5, 4, 7, 6},
                    LoraAdaptedModelTest.floats(model.tensors().tensor(q + ".weight")));
        }
        // A recipe written beside its models keeps the reference's two parts relative.
        MergeRecipe absolute = recipe.withModels(r -> recipe.locate(r, temp).toString());
        assertEquals("base.safetensors+adapter", absolute.relativeTo(models).modelReferences().getFirst());
    }

    @Test
    void aMissingPartIsNamedWhereTheRecipeLookedForIt() throws IOException {
        Path models = Files.createDirectories(temp.resolve("models"));
        Files.writeString(models.resolve("base.safetensors"), "");
        MergeRecipe recipe = RecipeReader.parse("merge_method: linear\nmodels:\n  - model: base.safetensors+nope\n",
                models.resolve("recipe.yml"));
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> recipe.locate(recipe.modelReferences().getFirst(), temp));
        assertEquals(models.resolve("recipe.yml") + ": model 'nope' not found (looked in " + temp.resolve("nope")
                + " and " + models.resolve("nope") + "; evomerge reads local folders and does not download from the"
                + " Hugging Face hub)", e.getMessage());
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
    }
}
