package org.evomerge.engine.merge;

import java.util.List;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.engine.recipe.MergeRecipe;

/** The README.md written next to a merged model: what went in, how, and with which plugin versions. */
final class ModelCard {

    private ModelCard() {
    }

    static String text(MergeRecipe recipe, RegisteredExtension method, ExtensionCatalog catalog, MergePlan plan,
                       long seed, String version) {
        StringBuilder card = new StringBuilder();
        card.append("---\nlibrary_name: transformers\ntags:\n- evomerge\n- merge\n");
        card.append("base_model:\n");
        recipe.modelReferences().forEach(m -> card.append("- ").append(yamlString(m)).append('\n'));
        card.append("---\n\n# Merged model\n\n");
        card.append("Made with [evomerge](https://github.com/evomerge/evomerge) ").append(version)
                .append(" using the **").append(method.descriptor().id()).append("** merge method (`")
                .append(method.coordinates()).append("` from plugin `").append(method.pluginId()).append("`).\n\n");
        card.append("## Inputs\n\n");
        recipe.baseModel().ifPresent(b -> card.append("- base model: `").append(b).append("`\n"));
        List<String> others = recipe.modelReferences().stream()
                .filter(m -> recipe.baseModel().map(b -> !b.equals(m)).orElse(true)).toList();
        others.forEach(m -> card.append("- `").append(m).append("`\n"));
        card.append("\n## Output\n\n- ").append(plan.tensors().size()).append(" tensors, dtype ")
                .append(MergePlanner.torchName(plan.outDtype())).append(", working precision ")
                .append(MergePlanner.torchName(plan.workingDtype())).append("\n- seed ").append(seed)
                .append(" (random methods depend on it and on nothing else)\n");
        card.append("\n## Plugins\n\n");
        catalog.all().stream().map(RegisteredExtension::pluginId).distinct().sorted()
                .forEach(p -> card.append("- `").append(p).append("`\n"));
        card.append("\n## Recipe\n\nThe recipe as run (also in `mergekit_config.yml`):\n\n```yaml\n")
                .append(recipe.text().strip()).append("\n```\n");
        return card.toString();
    }

    private static String yamlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
