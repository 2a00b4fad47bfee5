package org.evomerge.engine.config;

import java.util.Objects;

/**
 * The resolved configuration, immutable: what every command runs with.
 *
 * @param plugins where plugins come from
 * @param compute how numbers are crunched
 * @param run     run-wide choices
 * @param architectures where architecture descriptions come from
 * @param output  how models are written
 * @param evaluation where evaluation tasks come from
 */
public record Settings(PluginSettings plugins, ComputeSettings compute, RunSettings run,
                       ArchitectureSettings architectures, OutputSettings output,
                       EvaluationSettings evaluation) {

    public Settings {
        Objects.requireNonNull(plugins, "plugins");
        Objects.requireNonNull(compute, "compute");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(architectures, "architectures");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(evaluation, "evaluation");
    }
}
