package org.evomerge.cli.evolve;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.evomerge.api.EvomergeException;
import org.evomerge.cli.CommandSession;
import org.evomerge.engine.evolution.MergekitEvolveConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * mergekit-evolve's command-line options ({@code mergekit/scripts/evolve.py}), for running its configuration files
 * with {@code evomerge evolve}: those that mean something here keep their names and meaning; those that cannot apply
 * (vLLM, Ray scheduling, wandb, GPU placement, resharding) are accepted with a one-line notice each; those whose
 * result evomerge cannot give (bitsandbytes quantised evaluation, merging across architectures) are refused by name.
 */
public final class MergekitEvolveOptions {

    @Option(names = "--max-fevals", paramLabel = "N")
    Long maxFevals;

    @Option(names = "--sigma0", paramLabel = "SIGMA")
    Double sigma0;

    @Option(names = "--force-population-size", paramLabel = "N")
    Integer forcePopulationSize;

    @Option(names = "--task-search-path", paramLabel = "DIR")
    List<Path> taskSearchPath = new ArrayList<>();

    @Option(names = "--random-seed", paramLabel = "SEED")
    Long randomSeed;

    @Option(names = "--timeout", paramLabel = "SECONDS")
    Double timeout;

    @Option(names = MergekitEvolveConfig.BENCHMARK_FLAG)
    boolean allowBenchmarkTasks;

    @Option(names = "--storage-path", paramLabel = "DIR")
    Path storagePath;

    @Option(names = "--vllm", negatable = true)
    Boolean vllm;

    @Option(names = {"-s", "--strategy"}, paramLabel = "pool|buffered|serial")
    String strategy;

    @Option(names = "--in-memory", negatable = true)
    Boolean inMemory;

    @Option(names = "--num-gpus", paramLabel = "N")
    Integer numGpus;

    @Option(names = "--merge-cuda", negatable = true)
    Boolean mergeCuda;

    @Option(names = "--trust-remote-code", negatable = true)
    Boolean trustRemoteCode;

    @Option(names = "--allow-crimes", negatable = true)
    Boolean allowCrimes;

    @Option(names = "--batch-size", paramLabel = "N")
    Integer batchSize;

    @Option(names = "--wandb", negatable = true)
    Boolean wandb;

    @Option(names = "--wandb-project", paramLabel = "NAME")
    String wandbProject;

    @Option(names = "--wandb-entity", paramLabel = "NAME")
    String wandbEntity;

    @Option(names = "--save-final-model", negatable = true)
    Boolean saveFinalModel;

    @Option(names = "--reshard", negatable = true)
    Boolean reshard;

    @Option(names = "--load-in-8bit")
    boolean loadIn8bit;

    @Option(names = "--load-in-4bit")
    boolean loadIn4bit;

    /** The run folder {@code --storage-path} names, when {@code --out} is not given. */
    Path storagePath() {
        return storagePath;
    }

    /**
     * Translates a mergekit-evolve configuration with these options; the notices are the configuration's, then one per
     * option given that changes nothing here.
     *
     * @throws EvomergeException (configuration) for an option evomerge refuses, or a bad value
     */
    MergekitEvolveConfig.Translation translate(Path file, CommandSession session) {
        if (loadIn4bit || loadIn8bit) {
            throw EvomergeException.configuration((loadIn4bit ? "--load-in-4bit" : "--load-in-8bit")
                    + ": evomerge evaluates candidates in their merged dtype (bfloat16); bitsandbytes quantised"
                    + " evaluation is not available");
        }
        if (Boolean.TRUE.equals(allowCrimes)) {
            throw EvomergeException.configuration("--allow-crimes: an evolution merges models of one architecture;"
                    + " merging across architectures is refused here");
        }
        if (maxFevals != null && maxFevals < 1) {
            throw EvomergeException.configuration("--max-fevals must be at least 1, got " + maxFevals);
        }
        if (sigma0 != null && !(sigma0 > 0 && sigma0 <= 1)) {
            throw EvomergeException.configuration("--sigma0 must be in (0, 1], got " + sigma0);
        }
        if (forcePopulationSize != null && forcePopulationSize < 2) {
            throw EvomergeException.configuration("--force-population-size must be at least 2, got "
                    + forcePopulationSize);
        }
        if (timeout != null && !(timeout > 0)) {
            throw EvomergeException.configuration("--timeout must be a positive number of seconds, got " + timeout);
        }
        List<Path> searchPath = new ArrayList<>();
        for (Path folder : taskSearchPath) {
            Path resolved = session.environment().resolve(folder);
            if (!Files.isDirectory(resolved)) {
                throw EvomergeException.configuration("--task-search-path " + folder + ": no such folder (" + resolved
                        + ")");
            }
            searchPath.add(resolved);
        }
        searchPath.addAll(session.settings().evaluation().taskSearchPath());
        MergekitEvolveConfig.Options options = new MergekitEvolveConfig.Options(
                session.environment().workingDirectory(), maxFevals == null ? 100 : maxFevals,
                sigma0 == null ? 1.0 / 6 : sigma0,
                forcePopulationSize == null ? OptionalInt.empty() : OptionalInt.of(forcePopulationSize), searchPath,
                randomSeed == null ? 0 : randomSeed, timeout == null ? OptionalDouble.empty()
                : OptionalDouble.of(timeout), allowBenchmarkTasks, session.environment().environment(),
                session.environment().userHome());
        MergekitEvolveConfig.Translation translation = MergekitEvolveConfig.read(file, options);
        List<String> notices = new ArrayList<>(translation.notices());
        notices.addAll(inapplicable());
        return new MergekitEvolveConfig.Translation(translation.run(), notices);
    }

    /** One line per option given that cannot apply here: what evomerge does instead. */
    private List<String> inapplicable() {
        Map<String, String> given = new LinkedHashMap<>();
        if (vllm != null) {
            given.put(vllm ? "--vllm" : "--no-vllm", "candidates are evaluated by evomerge's own inference engine");
        }
        if (strategy != null) {
            given.put("--strategy " + strategy, "Ray scheduling does not apply: candidates are merged in memory and"
                    + " evaluated on this machine's worker pool");
        }
        if (inMemory != null) {
            given.put(inMemory ? "--in-memory" : "--no-in-memory", "candidates are always merged in memory");
        }
        if (numGpus != null) {
            given.put("--num-gpus", "the compute backend is chosen with --backend");
        }
        if (mergeCuda != null) {
            given.put(mergeCuda ? "--merge-cuda" : "--no-merge-cuda", "the compute backend is chosen with --backend");
        }
        if (trustRemoteCode != null) {
            given.put(trustRemoteCode ? "--trust-remote-code" : "--no-trust-remote-code",
                    "evomerge runs no model code from the Hub");
        }
        if (Boolean.FALSE.equals(allowCrimes)) {
            given.put("--no-allow-crimes", "evolution merges models of one architecture anyway");
        }
        if (batchSize != null) {
            given.put("--batch-size", "the evaluator batches prompts itself");
        }
        if (wandb != null) {
            given.put(wandb ? "--wandb" : "--no-wandb", "no Weights & Biases logging: journal.jsonl, history.csv and"
                    + " report.html in the run folder hold the run's numbers");
        }
        if (wandbProject != null) {
            given.put("--wandb-project", "no Weights & Biases logging");
        }
        if (wandbEntity != null) {
            given.put("--wandb-entity", "no Weights & Biases logging");
        }
        if (saveFinalModel != null) {
            given.put(saveFinalModel ? "--save-final-model" : "--no-save-final-model",
                    "the best model is always written to RUN_DIR/best/");
        }
        if (reshard != null) {
            given.put(reshard ? "--reshard" : "--no-reshard", "models are read in place, not resharded");
        }
        List<String> lines = new ArrayList<>();
        given.forEach((option, why) -> lines.add(option + " has no effect here: " + why));
        return lines;
    }

    /**
     * Refuses mergekit-evolve's options with an evomerge run file, which sets these in its own keys.
     *
     * @throws CommandLine.ParameterException naming the first option given
     */
    void refuseForRunFile(CommandLine commandLine) {
        Map<String, Boolean> given = new LinkedHashMap<>();
        given.put("--max-fevals (the run file's budget.evaluations)", maxFevals != null);
        given.put("--sigma0 (strategy.parameters.sigma)", sigma0 != null);
        given.put("--force-population-size (strategy.parameters.population_size)", forcePopulationSize != null);
        given.put("--task-search-path (evaluation.task-search-path in the configuration)", !taskSearchPath.isEmpty());
        given.put("--random-seed (the run file's seed, or --seed)", randomSeed != null);
        given.put("--timeout (budget.time)", timeout != null);
        given.put(MergekitEvolveConfig.BENCHMARK_FLAG, allowBenchmarkTasks);
        given.put("--storage-path (--out)", storagePath != null);
        given.put("--vllm", vllm != null);
        given.put("--strategy (the run file's strategy)", strategy != null);
        given.put("--in-memory", inMemory != null);
        given.put("--num-gpus", numGpus != null);
        given.put("--merge-cuda", mergeCuda != null);
        given.put("--trust-remote-code", trustRemoteCode != null);
        given.put("--allow-crimes", allowCrimes != null);
        given.put("--batch-size", batchSize != null);
        given.put("--wandb", wandb != null || wandbProject != null || wandbEntity != null);
        given.put("--save-final-model", saveFinalModel != null);
        given.put("--reshard", reshard != null);
        given.put("--load-in-8bit", loadIn8bit);
        given.put("--load-in-4bit", loadIn4bit);
        given.entrySet().stream().filter(Map.Entry::getValue).findFirst().ifPresent(e -> {
            throw new CommandLine.ParameterException(commandLine, e.getKey().split(" ", 2)[0]
                    + " is an option for mergekit-evolve configurations (top-level genome: and tasks:); an evomerge"
                    + " run file" + (e.getKey().contains("(") ? " sets it as " + e.getKey().substring(
                    e.getKey().indexOf('(') + 1, e.getKey().length() - 1) : " has no use for it"));
        });
    }
}
