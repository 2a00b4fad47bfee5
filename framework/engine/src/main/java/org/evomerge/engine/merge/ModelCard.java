package org.evomerge.engine.merge;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.MergeRecipe;

/**
 * The README.md written next to a merged model: what went in, how, and with which extensions. Its front matter
 * follows the Hub's convention for merges (mergekit's card): the {@code merge} and {@code mergekit} tags and the
 * inputs' Hub ids under {@code base_model}, never local paths.
 */
final class ModelCard {

    private ModelCard() {
    }

    /**
     * @param method     the merge method
     * @param extensions every extension the merge used (the method, the formats that read the inputs and wrote the
     *                   output), each listed once as {@code id@version}
     * @param hubIds     the Hub id of each model reference that has one ({@link HubModelId})
     */
    static String text(MergeRecipe recipe, RegisteredExtension method, Collection<RegisteredExtension> extensions,
                       Map<String, String> hubIds, MergePlan plan, long seed, String version) {
        StringBuilder card = new StringBuilder("---\n");
        List<String> ids = recipe.modelReferences().stream().map(hubIds::get).filter(id -> id != null).distinct()
                .toList();
        if (!ids.isEmpty()) {
            card.append("base_model:\n");
            ids.forEach(id -> card.append("- ").append(yamlString(id)).append('\n'));
        }
        card.append("library_name: transformers\ntags:\n- evomerge\n- merge\n- mergekit\n");
        card.append("---\n\n# Merged model\n\n");
        card.append("Made with [evomerge](https://github.com/evomerge/evomerge) ").append(version)
                .append(" using the **").append(method.descriptor().id()).append("** merge method (`")
                .append(method.coordinates()).append("` from plugin `").append(method.pluginId()).append("`).\n\n");
        card.append("## Inputs\n\n");
        recipe.baseModel().ifPresent(b -> card.append("- base model: ").append(reference(b, hubIds)).append('\n'));
        List<String> others = recipe.modelReferences().stream()
                .filter(m -> recipe.baseModel().map(b -> !b.equals(m)).orElse(true)).toList();
        others.forEach(m -> card.append("- ").append(reference(m, hubIds)).append('\n'));
        card.append("\n## Output\n\n- ").append(plan.tensors().size()).append(" tensors, dtype ")
                .append(MergePlanner.torchName(plan.outDtype())).append(", working precision ")
                .append(MergePlanner.torchName(plan.workingDtype())).append("\n- seed ").append(seed)
                .append(" (random methods depend on it and on nothing else)\n");
        card.append("\n## Extensions\n\n");
        extensions.stream().map(e -> "- `" + e.coordinates() + "` (" + e.descriptor().kind().id() + ", plugin `"
                + e.pluginId() + "`)\n").distinct().forEach(card::append);
        card.append("\n## Recipe\n\nThe recipe as run (also in `mergekit_config.yml`):\n\n```yaml\n")
                .append(recipe.text().strip()).append("\n```\n");
        return card.toString();
    }

    /** A model reference as the recipe gives it, with its Hub id (linked) when it has one. */
    private static String reference(String reference, Map<String, String> hubIds) {
        return "`" + reference + "`" + Optional.ofNullable(hubIds.get(reference))
                .map(id -> " ([" + id + "](https://huggingface.co/" + id + "))").orElse("");
    }

    private static String yamlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
