package org.evomerge.plugins.evaluation;

import java.nio.file.Path;
import java.util.List;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.ParameterType;
import org.evomerge.api.parameter.Parameters;

/**
 * The parameters every dataset-based evaluator takes: {@code data}, {@code sample} and {@code sample_seed}, so the
 * evolution engine can run cheap, seeded low-fidelity evaluations on a subset.
 */
public final class DatasetParameters {

    public static final String DATA = "data";
    public static final String SAMPLE = "sample";
    public static final String SAMPLE_SEED = "sample_seed";

    private DatasetParameters() {
    }

    public static List<ParameterSpec> specs() {
        return List.of(
                new ParameterSpec(DATA, ParameterType.PATH, null, null, null, List.of(), true, ParameterScope.GLOBAL,
                        "the JSONL dataset (relative paths are resolved against the task file)"),
                new ParameterSpec(SAMPLE, ParameterType.NUMBER, null, 0.0, null, List.of(), false,
                        ParameterScope.GLOBAL, "records to use: a count (>= 1) or a fraction (< 1); absent = all"),
                ParameterSpec.integer(SAMPLE_SEED, 0, null, null, "seed of the subsample; nested for growing sizes"));
    }

    /** The records the parameters select. */
    public static List<DatasetRecord> load(Parameters parameters) {
        List<DatasetRecord> all = JsonlDataset.read(Path.of(parameters.string(DATA)));
        double sample = parameters.has(SAMPLE) ? parameters.number(SAMPLE) : 0;
        long seed = parameters.has(SAMPLE_SEED) ? parameters.integer(SAMPLE_SEED) : 0;
        return JsonlDataset.sample(all, sample, seed);
    }
}
