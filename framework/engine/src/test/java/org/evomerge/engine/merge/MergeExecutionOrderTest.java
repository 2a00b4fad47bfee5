package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.evomerge.api.model.Model;
import org.evomerge.api.tensor.Shape;
import org.evomerge.engine.architecture.TensorPlacement;
import org.evomerge.engine.architecture.TensorRole;
import org.evomerge.engine.tensor.TensorScheduler;
import org.junit.jupiter.api.Test;

/** Which tensors the executor holds back: only those that need the whole budget, and only their position changes. */
class MergeExecutionOrderTest {

    @Test
    void tensorsThatTakeTheWholeBudgetRunLastInPlanOrder() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", Shape.of(1000, 64));
        shapes.put("model.layers.0.mlp.up_proj.weight", Shape.of(8, 8));
        shapes.put("model.layers.1.mlp.up_proj.weight", Shape.of(8, 8));
        shapes.put("model.norm.weight", Shape.of(8));
        shapes.put("lm_head.weight", Shape.of(1000, 64));
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> values.put(name, new float[(int) shape.elementCount()]));
        Model model = ArrayModels.llama(2, shapes, values);
        List<MergePlan.PlannedTensor> plan = shapes.keySet().stream().map(name -> new MergePlan.PlannedTensor(name,
                new TensorPlacement(TensorRole.OTHER, OptionalInt.empty()), 0,
                List.of(new MergePlan.PlannedInput("a", model, name, List.of())), Optional.empty(), List.of()))
                .toList();
        List<TensorJob> jobs = plan.stream().map(t -> new TensorJob(t, null, TensorJob.wholeWorkingBytes(t))).toList();
        long largest = TensorJob.wholeWorkingBytes(plan.getFirst());
        // A budget below the largest working set: the embedding and the head each take the whole budget.
        TensorScheduler tight = new TensorScheduler("merge", 2, TensorJob.budget(plan, largest / 2));
        assertEquals(List.of("model.layers.0.mlp.up_proj.weight", "model.layers.1.mlp.up_proj.weight",
                        "model.norm.weight", "model.embed_tokens.weight", "lm_head.weight"),
                TensorJob.executionOrder(jobs, tight).stream().map(j -> j.tensor().name()).toList());
        // A budget that fits them alongside others: the plan's order is kept.
        TensorScheduler roomy = new TensorScheduler("merge", 2, largest * 4);
        assertEquals(List.copyOf(shapes.keySet()), TensorJob.executionOrder(jobs, roomy).stream()
                .map(j -> j.tensor().name()).toList());
    }
}
