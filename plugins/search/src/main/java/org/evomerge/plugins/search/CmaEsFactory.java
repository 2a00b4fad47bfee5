package org.evomerge.plugins.search;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.pf4j.Extension;

/**
 * CMA-ES over parameter genomes (see {@link CmaEs}). The initial mean is the first seed when the problem has one,
 * else the centre of the box (mergekit-evolve and the Sakana paper start from fixed values too).
 */
@Extension
public class CmaEsFactory extends DescribedSearchStrategyFactory {

    static final String ID = "cma-es";

    public CmaEsFactory() {
        super(ID, "CMA-ES (Hansen's defaults) with IPOP restarts, in the box normalised to [0,1]^n.",
                ParameterSchema.of(
                        ParameterSpec.number("sigma", 1.0 / 6, 1e-6, 1.0,
                                "initial step size, as a fraction of each box side"),
                        ParameterSpec.integer("population_size", 0, 0L, 100_000L,
                                "lambda of the first run; 0: 4 + floor(3 ln n)"),
                        ParameterSpec.integer("restarts", 9, 0L, 1000L, "IPOP restarts after a stopping criterion"),
                        ParameterSpec.number("population_increase", 2.0, 1.0, 10.0, "lambda factor per restart"),
                        ParameterSpec.choice("bound_handling", "mirror", List.of("mirror", "resample", "none"),
                                "mirror: evaluate the reflection into the box; resample: redraw points outside it;"
                                        + " none: evaluate them as drawn (pycma without bounds; the box sets the"
                                        + " scale only, the genome's decoding must accept any value)"),
                        ParameterSpec.number("tol_fun", 1e-12, 0.0, null, "stop a run when recent fitness varies less"),
                        ParameterSpec.number("tol_x", 1e-12, 0.0, null,
                                "stop a run when the step size (in box widths) is smaller"),
                        ParameterSpec.bool("evaluate_start", false,
                                "the first candidate is the starting point itself (the genome's init)")),
                Set.of(Capability.RANDOMIZED, Capability.PARAMETER_GENOMES));
    }

    @Override
    public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
        List<double[]> seeds = SearchBox.parameterSeeds(problem, ID);
        SearchBox box = new SearchBox(problem.space());
        CmaEs.BoundHandling bounds = CmaEs.BoundHandling.valueOf(parameters.string("bound_handling")
                .toUpperCase(Locale.ROOT));
        double[] mean = new double[box.size()];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = seeds.isEmpty() || box.width(i) == 0 ? 0.5 : (seeds.getFirst()[i] - box.lower(i)) / box.width(i);
            if (bounds != CmaEs.BoundHandling.NONE) {
                mean[i] = Math.min(1, Math.max(0, mean[i]));
            }
        }
        return new CmaEs(box, mean, parameters.number("sigma"), (int) parameters.integer("population_size"),
                (int) parameters.integer("restarts"), parameters.number("population_increase"),
                bounds, parameters.number("tol_fun"),
                parameters.number("tol_x"), parameters.bool("evaluate_start"), context.random().fork(ID).generator());
    }
}
