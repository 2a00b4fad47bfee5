package org.evomerge.engine.evolution;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Where the keys of a YAML document are, so that an error about a value can name its line: keys are paths as the
 * run-file errors spell them ({@code genome.layer_groups}, {@code evaluators[1].name}). A key that is not in the
 * document (a missing one) is placed at the deepest of its ancestors that is.
 */
final class YamlKeyLocations {

    private final Optional<Node> root;

    private YamlKeyLocations(Optional<Node> root) {
        this.root = root;
    }

    /** The locations of {@code text}'s keys; none when it is not valid YAML (its reader reports that). */
    static YamlKeyLocations of(String text) {
        try {
            LoaderOptions options = new LoaderOptions();
            return new YamlKeyLocations(Optional.ofNullable(new Yaml(new SafeConstructor(options))
                    .compose(new StringReader(text))));
        } catch (YAMLException e) {
            return new YamlKeyLocations(Optional.empty());
        }
    }

    /**
     * {@code FILE:LINE:COLUMN} of {@code key} (of its entry's key for a mapping entry, of the item for a list
     * item), or of its deepest ancestor in the document; just {@code FILE} when not even the first part is there.
     */
    String where(Path file, String key) {
        return mark(key).map(m -> file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)).orElse(file.toString());
    }

    private Optional<Mark> mark(String key) {
        if (root.isEmpty() || key.isEmpty()) {
            return Optional.empty();
        }
        Node node = root.get();
        Mark found = null;
        List<String> parts = parts(key);
        for (int i = 0; i < parts.size(); i++) {
            String part = parts.get(i);
            if (part.matches("\\[[0-9]{1,9}]") && node instanceof SequenceNode list) {
                int index = Integer.parseInt(part.substring(1, part.length() - 1));
                if (index >= list.getValue().size()) {
                    break;
                }
                node = list.getValue().get(index);
                found = node.getStartMark();
            } else if (node instanceof MappingNode map) {
                // A key may itself hold dots (a parameter named 'a.b'): the longest name that is there wins.
                NodeTuple entry = null;
                int used = 0;
                for (int j = parts.size(); j > i && entry == null; j--) {
                    String name = String.join(".", parts.subList(i, j));
                    if (!name.contains("[")) {
                        entry = entry(map, name);
                        used = j - i;
                    }
                }
                if (entry == null) {
                    break;
                }
                i += used - 1;
                node = entry.getValueNode();
                found = entry.getKeyNode().getStartMark();
            } else {
                break;
            }
        }
        return Optional.ofNullable(found);
    }

    private static NodeTuple entry(MappingNode map, String name) {
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** {@code a.b[2].c} as {@code a}, {@code b}, {@code [2]}, {@code c}. */
    private static List<String> parts(String key) {
        List<String> parts = new ArrayList<>();
        for (String dotted : key.split("\\.", -1)) {
            int bracket = dotted.indexOf('[');
            if (bracket < 0 || !dotted.endsWith("]")) {
                parts.add(dotted);
                continue;
            }
            if (bracket > 0) {
                parts.add(dotted.substring(0, bracket));
            }
            for (String index : dotted.substring(bracket + 1, dotted.length() - 1).split("]\\[", -1)) {
                parts.add("[" + index + "]");
            }
        }
        return parts;
    }
}
