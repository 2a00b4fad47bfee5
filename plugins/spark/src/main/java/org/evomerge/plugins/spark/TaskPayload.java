package org.evomerge.plugins.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.execution.EvaluationTask;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;

/**
 * An {@link EvaluationTask} as Spark ships it: JDK types only (primitive arrays, strings), so it serialises with
 * Java serialisation into any executor whatever class loader holds the API.
 *
 * @param values  parameter genome values, or null
 * @param models  layer-path genome: each step's model index, or null
 * @param layers  layer-path genome: each step's layer
 * @param scales  layer-path genome: each step's scale
 */
record TaskPayload(String candidateId, int generation, boolean full, double[] values, int[] models, int[] layers,
                   double[] scales) implements Serializable {

    static TaskPayload of(EvaluationTask task) {
        return switch (task.genome()) {
            case ParameterGenome p -> new TaskPayload(task.candidateId(), task.generation(), task.full(), p.values(),
                    null, null, null);
            case LayerPathGenome l -> {
                int n = l.steps().size();
                int[] models = new int[n];
                int[] layers = new int[n];
                double[] scales = new double[n];
                for (int i = 0; i < n; i++) {
                    models[i] = l.steps().get(i).model();
                    layers[i] = l.steps().get(i).layer();
                    scales[i] = l.steps().get(i).scale();
                }
                yield new TaskPayload(task.candidateId(), task.generation(), task.full(), null, models, layers, scales);
            }
            case ModelGenome m -> throw EvomergeException.configuration("whole-model genomes live in the"
                    + " coordinator's model store and cannot be evaluated on Spark executors");
        };
    }

    EvaluationTask task() {
        Genome genome;
        if (values != null) {
            genome = new ParameterGenome(values);
        } else {
            List<LayerPathGenome.Step> steps = new ArrayList<>();
            for (int i = 0; i < models.length; i++) {
                steps.add(new LayerPathGenome.Step(models[i], layers[i], scales[i]));
            }
            genome = new LayerPathGenome(steps);
        }
        return new EvaluationTask(candidateId, generation, genome, full);
    }
}
