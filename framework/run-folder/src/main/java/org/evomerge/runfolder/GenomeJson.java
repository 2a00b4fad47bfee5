package org.evomerge.runfolder;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;

/**
 * Genomes as the journal writes them: {@code {"kind":"parameters","values":[...]}},
 * {@code {"kind":"model","folder":...,"hash":...}}, {@code {"kind":"layer-path","steps":[[model,layer,scale],...]}}.
 * Doubles round-trip exactly (Jackson writes the shortest representation that reads back).
 */
public final class GenomeJson {

    private GenomeJson() {
    }

    /** The genome as JSON values (maps, lists, strings, numbers), in the key order the journal writes. */
    public static Map<String, Object> write(Genome genome) {
        Map<String, Object> json = new LinkedHashMap<>();
        switch (genome) {
            case ParameterGenome p -> {
                json.put("kind", "parameters");
                List<Double> values = new ArrayList<>();
                for (double v : p.values()) {
                    values.add(v);
                }
                json.put("values", values);
            }
            case ModelGenome m -> {
                json.put("kind", "model");
                json.put("folder", m.folder().toString());
                json.put("hash", m.contentHash());
            }
            case LayerPathGenome l -> {
                json.put("kind", "layer-path");
                List<List<Object>> steps = new ArrayList<>();
                for (LayerPathGenome.Step s : l.steps()) {
                    steps.add(List.of(s.model(), s.layer(), s.scale()));
                }
                json.put("steps", steps);
            }
        }
        return json;
    }

    /** @throws IllegalArgumentException saying what is wrong when the node is not a genome this class writes */
    public static Genome read(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("the genome is not a JSON object");
        }
        String kind = node.path("kind").asText("");
        switch (kind) {
            case "parameters" -> {
                JsonNode values = node.path("values");
                if (!values.isArray()) {
                    throw new IllegalArgumentException("a parameters genome needs a list \"values\"");
                }
                double[] v = new double[values.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = number(values.get(i), "values");
                }
                return new ParameterGenome(v);
            }
            case "model" -> {
                JsonNode folder = node.path("folder");
                JsonNode hash = node.path("hash");
                if (!folder.isTextual() || !hash.isTextual()) {
                    throw new IllegalArgumentException("a model genome needs a text \"folder\" and \"hash\"");
                }
                return new ModelGenome(Path.of(folder.asText()), hash.asText());
            }
            case "layer-path" -> {
                JsonNode steps = node.path("steps");
                if (!steps.isArray()) {
                    throw new IllegalArgumentException("a layer-path genome needs a list \"steps\"");
                }
                List<LayerPathGenome.Step> out = new ArrayList<>();
                for (JsonNode s : steps) {
                    if (!s.isArray() || s.size() != 3 || !s.get(0).canConvertToInt() || !s.get(1).canConvertToInt()) {
                        throw new IllegalArgumentException("a layer-path step is [model, layer, scale]");
                    }
                    out.add(new LayerPathGenome.Step(s.get(0).asInt(), s.get(1).asInt(), number(s.get(2), "steps")));
                }
                return new LayerPathGenome(out);
            }
            default -> throw new IllegalArgumentException("unknown genome kind '" + kind + "'");
        }
    }

    private static double number(JsonNode value, String field) {
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" holds something that is not a number");
        }
        return value.asDouble();
    }
}
