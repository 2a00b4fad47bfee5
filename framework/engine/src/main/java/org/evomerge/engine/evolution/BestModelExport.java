package org.evomerge.engine.evolution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.context.ScratchSpace;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.runfolder.JournalRecord;
import org.evomerge.runfolder.RunFolder;

/**
 * Writes {@code RUN_DIR/best/}: the best candidate's tensors, config and tokenizer files through a model format's
 * writer (the configured {@code output.format}'s), with {@code recipe.yml} (when the genome is a recipe: model paths
 * relative to {@code best/} and the {@code random_seed} of the scored merge, so
 * {@code evomerge merge best/recipe.yml OUT} rebuilds these tensors bit for bit) and a {@code README.md} model card
 * naming its scores and its lineage. The writer publishes the folder with one rename, so {@code best/} is either the
 * previous one or the complete new one.
 */
public final class BestModelExport {

    private BestModelExport() {
    }

    /**
     * @param model     the best candidate, opened (merged in memory or from the model store)
     * @param recipe    its mergekit recipe as a file in {@code best/}, if it has one
     * @param hubIds    the Hub ids of the run's input models that have one ({@code base_model} of the card)
     * @param outcome   the run's outcome (scores and lineage for the card)
     * @param strategy  the strategy id (for the card)
     * @param seed      the run seed
     * @param version   evomerge's version
     */
    public static Path write(Path runDir, Model model, ModelFormat format, ScratchSpace scratch, Optional<String> recipe,
                             List<String> hubIds, EvolutionEngine.Outcome outcome, String strategy, long seed,
                             String version) {
        Path destination = runDir.resolve(RunFolder.BEST);
        Path extras = scratch.newFolder("best-extras");
        List<Path> sideFiles = new ArrayList<>(model.sideFiles().stream()
                .filter(p -> !p.getFileName().toString().equals("README.md")
                        && !p.getFileName().toString().equals("recipe.yml")).toList());
        try {
            if (recipe.isPresent()) {
                sideFiles.add(Files.writeString(extras.resolve("recipe.yml"), recipe.get()));
            }
            sideFiles.add(Files.writeString(extras.resolve("README.md"), card(outcome, recipe, hubIds, strategy, seed,
                    version)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<TensorInfo> layout = model.tensors().tensors().stream()
                .map(t -> new TensorInfo(t.name(), t.dtype(), t.shape(), "")).toList();
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("evomerge.version", version);
        provenance.put("evomerge.evolution.strategy", strategy);
        provenance.put("evomerge.evolution.candidate", outcome.best().id());
        provenance.put("evomerge.seed", Long.toString(seed));
        WriteOptions options = new WriteOptions(layout, model.config(), WriteOptions.DEFAULT_SHARD_BYTES, true,
                provenance, sideFiles);
        try (ModelWriter writer = format.create(destination, options)) {
            for (TensorInfo t : layout) {
                writer.write(t, model.tensors().tensor(t.name()).data());
            }
            writer.commit();
        }
        return destination;
    }

    /** The model card: what the candidate scored, where it came from, and its recipe. */
    static String card(EvolutionEngine.Outcome outcome, Optional<String> recipe, List<String> hubIds, String strategy,
                       long seed, String version) {
        JournalRecord.Evaluation best = outcome.best();
        StringBuilder card = new StringBuilder("---\n");
        if (!hubIds.isEmpty()) {
            card.append("base_model:\n");
            hubIds.forEach(id -> card.append("- \"").append(id).append("\"\n"));
        }
        card.append("library_name: transformers\ntags:\n- evomerge\n- merge\n")
                .append(recipe.isPresent() ? "- mergekit\n" : "")
                .append("- evolutionary-merge\n---\n\n# Evolved model\n\n");
        card.append("The best candidate (`").append(best.id()).append("`, generation ").append(best.generation())
                .append(") of an [evomerge](https://github.com/evomerge/evomerge) ").append(version)
                .append(" evolution run: strategy `").append(strategy).append("`, seed ").append(seed).append(", ")
                .append(outcome.evaluations().size()).append(" evaluations, ended by ").append(outcome.reason())
                .append(".\n\n## Scores\n\nFitness (higher is better, primary first): ")
                .append(best.fitness().objectives()).append("\n\n| task | metric | value |\n| --- | --- | --- |\n");
        best.metrics().forEach((task, metrics) -> metrics.forEach((metric, value) ->
                card.append("| ").append(task).append(" | ").append(metric).append(" | ").append(value).append(" |\n")));
        card.append("\n## Lineage\n\n");
        Map<String, JournalRecord.Evaluation> byId = new LinkedHashMap<>();
        outcome.evaluations().forEach(r -> byId.putIfAbsent(r.id(), r));
        Deque<String> queue = new ArrayDeque<>(List.of(best.id()));
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        while (!queue.isEmpty()) {
            String id = queue.poll();
            JournalRecord.Evaluation r = byId.get(id);
            if (r == null || !seen.add(id)) {
                continue;
            }
            card.append("- `").append(id).append("` (generation ").append(r.generation()).append(", fitness ")
                    .append(r.fitness().objectives()).append(")")
                    .append(r.parents().isEmpty() ? ": no recorded parents (a point the strategy proposed)"
                            : ": bred from " + String.join(", ", r.parents().stream().map(p -> "`" + p + "`").toList()))
                    .append('\n');
            queue.addAll(r.parents());
        }
        recipe.ifPresent(text -> card.append("\n## Recipe\n\nmergekit-compatible (also in `recipe.yml`; run it with"
                + " `evomerge merge recipe.yml OUT_DIR`):\n\n```yaml\n").append(text.strip()).append("\n```\n"));
        return card.toString();
    }
}
