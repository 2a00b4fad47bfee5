package org.evomerge.engine.evolution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomerge.api.context.ProgressReporter;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.engine.architecture.ArchitectureCatalog;
import org.evomerge.compute.ReferenceBackend;
import org.evomerge.engine.context.DefaultRunContext;
import org.evomerge.engine.context.ScratchDirectory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.engine.merge.MergeJob;
import org.evomerge.engine.model.ModelFormats;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.recipe.MergeRecipe;
import org.evomerge.engine.recipe.RecipeReader;
import org.evomerge.runfolder.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code best/recipe.yml} of a run with a random merge method rebuilds {@code best/} bit for bit: read as
 * {@code evomerge merge} reads it ({@link RecipeReader}) and merged through the engine API that command uses
 * ({@link MergeJob}) with its {@code random_seed} as the root seed.
 */
class BestRecipeRebuildTest {

    /**
     * DARE-TIES over layer groups and a filter, from a random start (values with all their digits), densities held
     * below 1 so that every candidate drops elements.
     */
    private static final String DARE_TIES_RUN = """
            models: [$A, $B]
            base_model: $A
            genome:
              kind: recipe
              merge_method: dare_ties
              layer_groups: 2
              filters: [self_attn]
              bounds: {weight: [0.2, 0.9], density: [0.3, 0.7]}
              init: random
            strategy:
              id: test-es
              parameters: {lambda: 4, sigma: 0.15}
            evaluators:
              - name: dist
                evaluator: distance
                parameters: {target: $TARGET}
            budget:
              evaluations: 12
            seed: 11
            """;

    @TempDir
    Path temp;

    @Test
    void aDareTiesRunsBestRecipeRebuildsBestBitForBit() throws IOException {
        EvolutionFixture f = new EvolutionFixture(temp);
        Path runDir = temp.resolve("run");
        EvolutionJob.Result result = EvolutionFixture.run(f.runFile("run.yml", DARE_TIES_RUN), runDir, false, 2);
        assertTrue(result.outcome().best().generation() > 0, "the best is not the starting point");
        Path best = runDir.resolve(RunFolder.BEST);
        Path recipeFile = best.resolve("recipe.yml");
        String text = Files.readString(recipeFile);

        long seed = ((Number) ((Map<?, ?>) new Yaml().load(text)).get("random_seed")).longValue();
        assertEquals(CandidateScoring.mergeSeed(11), seed, text);
        assertTrue(text.contains("base_model: ../../model-a\n") && text.contains("model: ../../model-b\n"),
                "model paths relative to best/: " + text);
        assertFalse(text.contains(temp.toString()), text);
        assertFalse(text.contains("&id") || text.contains("*id"), "no YAML anchors: " + text);
        assertTrue(text.contains("layer_range: [0, 2]"), text);

        // The card: a merge with a mergekit recipe; the toy inputs name no Hub repository, so no base_model list.
        assertTrue(Files.readString(best.resolve("README.md")).startsWith("---\nlibrary_name: transformers\ntags:\n"
                + "- evomerge\n- merge\n- mergekit\n- evolutionary-merge\n---\n"));

        MergeRecipe recipe = RecipeReader.read(recipeFile);
        Path rebuilt = merge(recipe, seed, temp.resolve("rebuilt"));
        assertTrue(Files.isRegularFile(rebuilt.resolve("toy-model.json")), "written in the configured format");
        Map<String, byte[]> expected = tensors(best);
        Map<String, byte[]> actual = tensors(rebuilt);
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), name));

        // The seed is what makes it exact: the run's own seed, which 'evomerge merge --seed 11' would use, drops
        // other elements.
        Map<String, byte[]> otherSeed = tensors(merge(recipe, 11, temp.resolve("other-seed")));
        assertTrue(expected.keySet().stream().anyMatch(name -> !java.util.Arrays.equals(expected.get(name),
                otherSeed.get(name))), "the merge depends on the seed");
    }

    /**
     * {@code evomerge merge RECIPE OUT} with root seed {@code seed}, run from the temporary folder, writing the test
     * format as {@code output.format: toy} configures it: no safetensors format is installed.
     */
    private Path merge(MergeRecipe recipe, long seed, Path out) throws IOException {
        ExtensionCatalog catalog = new ExtensionCatalog();
        catalog.register(new ToyFormat(), "tests");
        catalog.register(new TestExtensions.DareTies(), "tests");
        Path scratch = Files.createDirectories(temp.resolve(out.getFileName() + "-scratch"));
        RunContext context = new DefaultRunContext(new SeededRandomSource(seed), new ReferenceBackend(),
                ProgressReporter.SILENT, ScratchDirectory.create(scratch, false), 2, Map.of());
        MergeJob.run(recipe, catalog, ModelFormats.from(catalog, context), ArchitectureCatalog.load(List.of()),
                context, new MergeJob.Options(out, ToyFormat.ID, WriteOptions.DEFAULT_SHARD_BYTES, false, "test",
                        temp));
        return out;
    }

    private static Map<String, byte[]> tensors(Path folder) {
        Map<String, byte[]> tensors = new java.util.LinkedHashMap<>();
        try (Model model = ToyFormat.open(folder)) {
            for (TensorInfo t : model.tensors().tensors()) {
                tensors.put(t.name() + " " + t.dtype(),
                        model.tensors().tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return tensors;
    }
}
