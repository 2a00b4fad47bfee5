package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.merge.InMemoryMerge;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory output target of the merge engine: values, storage dtype, config and side files. */
class InMemoryMergeTest {

    @TempDir
    Path temp;

    @Test
    void aRecipeMergesIntoMemoryWithTheReferenceModelsSideFiles() {
        EvolutionFixture f = new EvolutionFixture(temp);
        String text = "merge_method: linear\nmodels:\n  - model: " + f.a + "\n    parameters: {weight: 0.3}\n"
                + "  - model: " + f.b + "\n    parameters: {weight: 0.7}\n";
        MergeRecipe recipe = RecipeReader.parse(text, temp.resolve("r.yml"));
        ReferenceBackend compute = new ReferenceBackend();
        try (Model a = ToyFormat.open(f.a); Model b = ToyFormat.open(f.b); Model target = ToyFormat.open(f.target);
             Model f32 = InMemoryMerge.merge(recipe, TestExtensions.catalog(), Map.of(f.a.toString(), a,
                     f.b.toString(), b), ArchitectureCatalog.load(List.of()), EvolutionFixture.context(temp, 2), DType.F32);
             Model bf16 = InMemoryMerge.merge(recipe, TestExtensions.catalog(), Map.of(f.a.toString(), a,
                     f.b.toString(), b), ArchitectureCatalog.load(List.of()), EvolutionFixture.context(temp, 1), DType.BF16);
             Arena arena = Arena.ofConfined()) {
            assertEquals("memory", f32.formatId());
            assertTrue(f32.location().isEmpty());
            assertEquals(EvolutionFixture.LAYERS, f32.config().numLayers());
            assertTrue(f32.sideFiles().stream().anyMatch(p -> p.getFileName().toString().equals("tokenizer.json")));
            assertEquals("bfloat16", bf16.config().raw().get("dtype"));
            assertEquals("bfloat16", bf16.config().raw().get("torch_dtype"));
            for (TensorInfo t : target.tensors().tensors()) {
                int n = Math.toIntExact(t.shape().elementCount());
                float[] wa = new float[n];
                float[] wb = new float[n];
                float[] got = new float[n];
                float[] gotBf16 = new float[n];
                compute.toFloat(a.tensors().tensor(t.name()).data(), DType.F32, wa, n);
                compute.toFloat(b.tensors().tensor(t.name()).data(), DType.F32, wb, n);
                compute.toFloat(f32.tensors().tensor(t.name()).data(), DType.F32, got, n);
                assertEquals(DType.BF16, bf16.tensors().find(t.name()).orElseThrow().dtype());
                compute.toFloat(bf16.tensors().tensor(t.name()).data(), DType.BF16, gotBf16, n);
                MemorySegment rounded = arena.allocate(2L * n);
                compute.fromFloat(got, DType.BF16, rounded, n);
                float[] expectBf16 = new float[n];
                compute.toFloat(rounded, DType.BF16, expectBf16, n);
                for (int i = 0; i < n; i++) {
                    // (0.3a + 0.7b) / (0.3 + 0.7) in double, against the float32 merge
                    double expect = (0.3 * wa[i] + 0.7 * wb[i]) / (0.3 + 0.7);
                    assertEquals(expect, got[i], 1e-6 * Math.max(1, Math.abs(expect)), t.name() + "[" + i + "]");
                    assertEquals(expectBf16[i], gotBf16[i], t.name() + "[" + i + "] in bfloat16");
                }
            }
        }
    }
}
