package org.evomerge.testkit;

import java.util.Arrays;
import java.util.List;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.engine.context.SeededRandomSource;
import org.evomerge.testkit.CorrectExtensions.HillClimb;
import org.evomerge.testkit.CorrectExtensions.HillClimbFactory;
import org.pf4j.Extension;

/** Hill climbers with one defect each, and the {@link SearchStrategyContract} fixtures that must catch it. */
final class BrokenSearchStrategies {

    private BrokenSearchStrategies() {
    }

    /** Variants of the hill climber: same descriptor and parameters. */
    private abstract static class HillClimbVariant implements SearchStrategyFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return HillClimbFactory.DESCRIPTOR;
        }
    }

    /** Steps without clamping: near a bound, half of all steps leave the box. */
    @Extension
    public static final class UnclampedFactory extends HillClimbVariant {
        @Override
        public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
            return new HillClimb(problem.space(), parameters, context.random(), false);
        }
    }

    @MustFail("asksGenomesInsideTheSearchSpace")
    static class UnclampedFixture extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new UnclampedFactory();
        }
    }

    /** Claims to be finished before it has asked anything: a run with it would evaluate nothing. */
    @Extension
    public static final class FinishedAtStartFactory extends HillClimbVariant {
        @Override
        public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
            SearchStrategy inner = new HillClimb(problem.space(), parameters, context.random(), true);
            return new SearchStrategy() {
                @Override
                public java.util.List<org.evomerge.api.genome.Genome> ask() {
                    return inner.ask();
                }

                @Override
                public void tell(java.util.List<org.evomerge.api.search.ScoredGenome> results) {
                    inner.tell(results);
                }

                @Override
                public boolean isFinished() {
                    return true;
                }
            };
        }
    }

    @MustFail("asksForEvaluationsBeforeItFinishes")
    static class FinishedAtStartFixture extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new FinishedAtStartFactory();
        }
    }

    /** Seeds itself from the clock: a resumed run replays a different search than the journal recorded. */
    @Extension
    public static final class ClockSeededFactory extends HillClimbVariant {
        @Override
        public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
            return new HillClimb(problem.space(), parameters, new SeededRandomSource(System.nanoTime()), true);
        }
    }

    @MustFail("replaysExactlyForTheSameSeedAndScores")
    static class ClockSeededFixture extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new ClockSeededFactory();
        }
    }

    /** Appends its step size to every genome (evolution-strategy style), so genomes no longer match the space. */
    @Extension
    public static final class SelfAdaptiveFactory extends HillClimbVariant {
        @Override
        public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
            double step = parameters.number("step");
            return new HillClimb(problem.space(), parameters, context.random(), true) {
                @Override
                protected ParameterGenome propose() {
                    double[] values = super.propose().values();
                    double[] withStep = Arrays.copyOf(values, values.length + 1);
                    withStep[values.length] = step;
                    return new ParameterGenome(withStep);
                }
            };
        }
    }

    @MustFail("asksGenomesInsideTheSearchSpace")
    static class SelfAdaptiveFixture extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new SelfAdaptiveFactory();
        }
    }

    /** Answers its second ask with an empty batch, as if waiting for evaluations, while not finished. */
    @Extension
    public static final class StallingFactory extends HillClimbVariant {
        @Override
        public SearchStrategy create(SearchProblem problem, Parameters parameters, RunContext context) {
            SearchStrategy climber = new HillClimbFactory().create(problem, parameters, context);
            return new SearchStrategy() {
                private int asks;

                @Override
                public List<Genome> ask() {
                    return ++asks == 2 ? List.of() : climber.ask();
                }

                @Override
                public void tell(List<ScoredGenome> results) {
                    climber.tell(results);
                }

                @Override
                public boolean isFinished() {
                    return climber.isFinished();
                }
            };
        }
    }

    @MustFail({"asksGenomesInsideTheSearchSpace", "replaysExactlyForTheSameSeedAndScores"})
    static class StallingFixture extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new StallingFactory();
        }
    }
}
