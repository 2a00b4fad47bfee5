package org.evomerge.engine.evolution.genome;

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
 * Genomes as the run journal writes them ({@code {"kind":"parameters","values":[...]}},
 * {@code {"kind":"model","folder":...,"hash":...}}, {@code {"kind":"layer-path","steps":[[model,layer,scale],...]}})
 * and the fitness-cache key of a genome. Doubles round-trip exactly (shortest representation that reads back).
 */
public final class GenomeJson {

    private GenomeJson() {
    }

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

    /** @throws IllegalArgumentException when the node is not a genome this class writes */
    public static Genome read(JsonNode node) {
        String kind = node.path("kind").asText("");
        switch (kind) {
            case "parameters" -> {
                JsonNode values = node.path("values");
                double[] v = new double[values.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = values.get(i).asDouble();
                }
                return new ParameterGenome(v);
            }
            case "model" -> {
                return new ModelGenome(Path.of(node.path("folder").asText()), node.path("hash").asText());
            }
            case "layer-path" -> {
                List<LayerPathGenome.Step> steps = new ArrayList<>();
                for (JsonNode s : node.path("steps")) {
                    steps.add(new LayerPathGenome.Step(s.get(0).asInt(), s.get(1).asInt(), s.get(2).asDouble()));
                }
                return new LayerPathGenome(steps);
            }
            default -> throw new IllegalArgumentException("unknown genome kind '" + kind + "'");
        }
    }

    /**
     * Equal for genomes that make the same model: parameter values bit for bit, a model's content hash (two folders
     * with the same weights share a score), a layer path's steps.
     */
    public static String key(Genome genome) {
        return switch (genome) {
            case ParameterGenome p -> {
                StringBuilder b = new StringBuilder("p");
                for (double v : p.values()) {
                    b.append(':').append(Long.toHexString(Double.doubleToLongBits(v == 0.0 ? 0.0 : v)));
                }
                yield b.toString();
            }
            case ModelGenome m -> "m:" + m.contentHash();
            case LayerPathGenome l -> {
                StringBuilder b = new StringBuilder("l");
                for (LayerPathGenome.Step s : l.steps()) {
                    b.append(':').append(s.model()).append('/').append(s.layer()).append('/')
                            .append(Long.toHexString(Double.doubleToLongBits(s.scale())));
                }
                yield b.toString();
            }
        };
    }
}
