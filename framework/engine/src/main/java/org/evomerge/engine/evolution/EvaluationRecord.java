package org.evomerge.engine.evolution;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.selection.Fitness;
import org.evomerge.engine.evolution.genome.GenomeJson;

/**
 * One evaluated candidate, as its {@code evaluation} line in the journal holds it.
 *
 * @param id         {@code g<generation>-<index in the batch>}
 * @param generation the batch it was asked in, from 1
 * @param genome     what the strategy asked
 * @param parents    ids of the evaluated candidates it was bred from (crossover, mutation), possibly none
 * @param fitness    higher is better; the first element is the primary objective
 * @param metrics    every task's metrics
 * @param seconds    wall-clock seconds of merging and scoring it (0 for a cache hit)
 * @param cached     whether the score came from the fitness cache
 * @param fidelity   {@code full}, or {@code low} when multi-fidelity kept it at the subsample score
 */
public record EvaluationRecord(String id, int generation, Genome genome, List<String> parents, Fitness fitness,
                               Map<String, Map<String, Double>> metrics, double seconds, boolean cached,
                               String fidelity) {

    public EvaluationRecord {
        parents = List.copyOf(parents);
        Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
        metrics.forEach((task, m) -> copy.put(task, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m))));
        metrics = java.util.Collections.unmodifiableMap(copy);
    }

    /** The id of the {@code index}-th genome of generation {@code generation}. */
    public static String id(int generation, int index) {
        return "g" + generation + "-" + index;
    }

    /** The genome index within its generation of an id made by {@link #id(int, int)}. */
    public static int index(String id) {
        return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
    }

    public Map<String, Object> toJson() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "evaluation");
        line.put("id", id);
        line.put("generation", generation);
        line.put("genome", GenomeJson.write(genome));
        line.put("parents", parents);
        line.put("fitness", fitness.objectives());
        line.put("metrics", metrics);
        line.put("seconds", seconds);
        line.put("cached", cached);
        if (!fidelity.equals("full")) {
            line.put("fidelity", fidelity);
        }
        return line;
    }

    public static EvaluationRecord fromJson(JsonNode line) {
        List<String> parents = new ArrayList<>();
        line.path("parents").forEach(p -> parents.add(p.asText()));
        List<Double> fitness = new ArrayList<>();
        line.path("fitness").forEach(f -> fitness.add(f.asDouble()));
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> tasks = line.path("metrics").fields(); tasks.hasNext(); ) {
            Map.Entry<String, JsonNode> task = tasks.next();
            Map<String, Double> m = new LinkedHashMap<>();
            task.getValue().fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
            metrics.put(task.getKey(), m);
        }
        return new EvaluationRecord(line.path("id").asText(), line.path("generation").asInt(),
                GenomeJson.read(line.path("genome")), parents, new Fitness(fitness), metrics,
                line.path("seconds").asDouble(), line.path("cached").asBoolean(),
                line.path("fidelity").asText("full"));
    }
}
