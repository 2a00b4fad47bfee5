package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.parameter.InvalidParameterException;
import org.evomerge.api.parameter.ParameterScope;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.engine.context.BackendSelection;
import org.evomerge.engine.execution.LocalEvaluationExecutor;
import org.evomerge.engine.input.ClosestNames;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;
import org.evomerge.runfolder.ExtensionVersion;

/**
 * The extensions a run file names, found in the catalog and their parameters validated, before anything is opened
 * or written: each unknown id or bad value stops the run with the run file's line of the key. Also the run's list of
 * {@code id@version}s for the journal.
 *
 * @param strategy   the search strategy, with its validated parameters
 * @param selection  the selection scheme, if the run file names one
 * @param mutation   the mutation, if the run file names one
 * @param method     the merge method (recipe genomes: the evolved method; model genomes: the crossover)
 * @param evaluators each task's evaluator, in task order
 * @param executor   the evaluation executor, when evaluations do not run on the built-in local worker pool
 */
record RunExtensions(Configured strategy, Optional<Configured> selection, Optional<Configured> mutation,
                     RegisteredExtension method, List<RegisteredExtension> evaluators, Optional<Configured> executor) {

    /** An extension with the parameters the run file gives it, validated. */
    record Configured(RegisteredExtension extension, Parameters parameters) {
    }

    RunExtensions {
        evaluators = List.copyOf(evaluators);
    }

    /**
     * @param execution where evaluations run, overriding the run file's {@code execution} (the CLI's
     *                  {@code --cluster}); empty = as the run file says
     * @param context   for the warning that a single-objective selection ranks separate objectives by the first
     */
    static RunExtensions resolve(RunFile run, ExtensionCatalog catalog, Optional<RunFile.ExtensionChoice> execution,
                                 RunContext context) {
        RegisteredExtension strategy = find(catalog, ExtensionKind.SEARCH_STRATEGY, run.strategy(), run);
        Parameters strategyParameters = validate(strategy.descriptor(), run.strategy().parameters(), run,
                run.strategy().key() + ".parameters");
        checkGenomeCapability(strategy.descriptor(), run.genome().kind(), run, "strategy");
        Optional<Configured> selection = run.selection().map(c -> {
            RegisteredExtension e = find(catalog, ExtensionKind.SELECTION_SCHEME, c, run);
            return new Configured(e, validate(e.descriptor(), c.parameters(), run, c.key() + ".parameters"));
        });
        Optional<Configured> mutation = run.mutation().map(c -> {
            RegisteredExtension e = find(catalog, ExtensionKind.MUTATION, c, run);
            checkGenomeCapability(e.descriptor(), run.genome().kind(), run, "mutation");
            return new Configured(e, validate(e.descriptor(), c.parameters(), run, c.key() + ".parameters"));
        });
        RegisteredExtension method = mergeMethod(run, catalog, "", context);
        List<RegisteredExtension> evaluators = evaluators(run, catalog, "");
        Optional<RunFile.ExtensionChoice> executionChoice = execution.or(run::execution)
                .filter(c -> !c.id().equals(LocalEvaluationExecutor.ID));
        Optional<Configured> executor = executionChoice.map(c -> {
            RegisteredExtension e = catalog.find(ExtensionKind.EVALUATION_EXECUTOR, c.id())
                    .orElseThrow(() -> EvomergeException.configuration(run.where(c.key()) + ": '" + c.key()
                            + "': unknown evaluation executor '" + c.id() + "'"
                            + ClosestNames.hint(c.id(), executorIds(catalog)) + "; installed: "
                            + String.join(", ", executorIds(catalog))
                            + (c.id().equals("spark") ? " (the spark executor comes with the cluster bundle,"
                            + " docs/cluster.md)" : "")));
            return new Configured(e, validate(e.descriptor(), c.parameters(), run, c.key() + ".parameters"));
        });
        if (executor.isPresent() && run.genome().kind() == RunFile.GenomeKind.MODEL) {
            RunFile.ExtensionChoice c = executionChoice.get();
            throw EvomergeException.configuration(run.where(c.key()) + ": '" + c.key() + "': whole-model genomes live"
                    + " in the coordinator's model store; executor '" + c.id() + "' runs recipe and layer-path genomes"
                    + " only");
        }
        if (run.objectives() == RunFile.ObjectiveMode.SEPARATE && run.tasks().size() > 1 && selection.isPresent()
                && !selection.get().extension().descriptor().has(Capability.MULTI_OBJECTIVE)) {
            context.logger("evolution").log(System.Logger.Level.WARNING, "selection '"
                    + selection.get().extension().descriptor().id() + "' ranks by the first objective only");
        }
        return new RunExtensions(new Configured(strategy, strategyParameters), selection, mutation, method, evaluators,
                executor);
    }

    /**
     * The run's merge method, checked against what the run's compute backend offers.
     *
     * @param where added to the key in an error (a worker says {@code " on this worker"})
     */
    static RegisteredExtension mergeMethod(RunFile run, ExtensionCatalog catalog, String where, RunContext context) {
        RegisteredExtension method = catalog.require(ExtensionKind.MERGE_METHOD, run.genome().mergeMethod(),
                run.where("genome.merge_method") + ": 'genome.merge_method'" + where);
        BackendSelection.requireCapabilities(context.compute(), method.descriptor());
        return method;
    }

    /** Each task's evaluator, in task order; {@code where} as for {@link #mergeMethod}. */
    static List<RegisteredExtension> evaluators(RunFile run, ExtensionCatalog catalog, String where) {
        List<RegisteredExtension> evaluators = new ArrayList<>();
        for (RunFile.Task task : run.tasks()) {
            evaluators.add(catalog.require(ExtensionKind.EVALUATOR, task.evaluator(), task.key() + where));
        }
        return evaluators;
    }

    /**
     * Every extension the run uses with its version, each once, for the journal: strategy, selection, mutation,
     * merge method, evaluators, executor, then the model formats.
     *
     * @param formats the model formats the run reads its models with and writes {@code best/} (and a model store's
     *                individuals) with
     */
    List<ExtensionVersion> versions(List<RegisteredExtension> formats) {
        List<RegisteredExtension> all = new ArrayList<>();
        all.add(strategy.extension());
        selection.ifPresent(s -> all.add(s.extension()));
        mutation.ifPresent(m -> all.add(m.extension()));
        all.add(method);
        all.addAll(evaluators);
        executor.ifPresent(e -> all.add(e.extension()));
        all.addAll(formats);
        List<ExtensionVersion> versions = new ArrayList<>();
        for (RegisteredExtension e : all) {
            ExtensionVersion v = new ExtensionVersion(e.descriptor().kind(), e.descriptor().id(),
                    e.descriptor().version());
            if (!versions.contains(v)) {
                versions.add(v);
            }
        }
        return versions;
    }

    private static void checkGenomeCapability(ExtensionDescriptor d, RunFile.GenomeKind kind, RunFile run, String key) {
        Capability needed = switch (kind) {
            case RECIPE, MERGEKIT_EVOLVE -> Capability.PARAMETER_GENOMES;
            case LAYER_PATH -> Capability.PARAMETER_GENOMES;
            case MODEL -> Capability.MODEL_GENOMES;
        };
        boolean declaresAny = d.has(Capability.PARAMETER_GENOMES) || d.has(Capability.MODEL_GENOMES)
                || d.has(Capability.LAYER_PATH_GENOMES);
        boolean fits = d.has(needed) || (kind == RunFile.GenomeKind.LAYER_PATH && d.has(Capability.LAYER_PATH_GENOMES));
        if (declaresAny && !fits) {
            throw EvomergeException.configuration(run.where(key) + ": '" + key + "': '" + d.id()
                    + "' does not work on " + kind.id() + " genomes");
        }
    }

    private static RegisteredExtension find(ExtensionCatalog catalog, ExtensionKind kind,
                                            RunFile.ExtensionChoice choice, RunFile run) {
        return catalog.require(kind, choice.id(), run.where(choice.key()) + ": '" + choice.key() + "'");
    }

    /** The evaluation executors a run may name: the built-in local one and the installed ones. */
    private static List<String> executorIds(ExtensionCatalog catalog) {
        List<String> ids = new ArrayList<>(List.of(LocalEvaluationExecutor.ID));
        catalog.ofKind(ExtensionKind.EVALUATION_EXECUTOR).forEach(r -> ids.add(r.descriptor().id()));
        return ids;
    }

    static Parameters validate(ExtensionDescriptor d, Map<String, Object> raw, RunFile run, String key) {
        return validate(d, raw, EnumSet.allOf(ParameterScope.class), run, key);
    }

    /** Validates an extension's parameters given under {@code key}; an error names the parameter's line. */
    static Parameters validate(ExtensionDescriptor d, Map<String, Object> raw, EnumSet<ParameterScope> scopes,
                               RunFile run, String key) {
        try {
            return ParameterValidator.validate(d, raw, scopes, true);
        } catch (EvomergeException e) {
            String at = e instanceof InvalidParameterException p ? key + "." + p.parameter() : key;
            throw EvomergeException.configuration(run.where(at) + ": '" + key + "': " + e.getMessage());
        }
    }
}
