package org.evomerge.engine.evaluation.lmeval;

import java.util.List;
import java.util.Map;

/**
 * An lm-evaluation-harness group as a task specification expanded it: its leaf tasks and the metrics it aggregates
 * over them.
 *
 * @param name the group's name
 * @param tasks the names of its leaf tasks, subgroups' included, in order
 * @param aggregateMetrics the entries of its {@code aggregate_metric_list} (empty when it reports no aggregate)
 */
public record LmEvalGroup(String name, List<String> tasks, List<Map<String, Object>> aggregateMetrics) {

    public LmEvalGroup {
        tasks = List.copyOf(tasks);
        aggregateMetrics = List.copyOf(aggregateMetrics);
    }
}
