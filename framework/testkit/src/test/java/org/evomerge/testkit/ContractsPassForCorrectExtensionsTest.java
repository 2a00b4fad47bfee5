package org.evomerge.testkit;

import org.evomerge.api.evaluation.EvaluatorFactory;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.mutation.MutationFactory;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.api.selection.SelectionSchemeFactory;
import org.junit.jupiter.api.Nested;

/**
 * Every contract passes for a correct extension; without this, a contract that fails the broken fixtures could simply
 * be failing everything.
 */
class ContractsPassForCorrectExtensionsTest {

    @Nested
    class Mean extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new CorrectExtensions.MeanMergeFactory();
        }
    }

    @Nested
    class TaskArithmetic extends MergeMethodContract {
        @Override
        protected MergeMethodFactory factory() {
            return new CorrectExtensions.TaskArithmeticFactory();
        }
    }

    @Nested
    class Tournament extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new CorrectExtensions.TournamentFactory();
        }
    }

    @Nested
    class Gaussian extends MutationContract {
        @Override
        protected MutationFactory factory() {
            return new CorrectExtensions.GaussianMutationFactory();
        }

        @Override
        protected Genome parent() {
            return CorrectExtensions.genome();
        }
    }

    @Nested
    class TensorMean extends EvaluatorContract {
        @Override
        protected EvaluatorFactory factory() {
            return new CorrectExtensions.TensorMeanEvaluatorFactory();
        }

        @Override
        protected Model model() {
            return CorrectExtensions.model(0.25f);
        }
    }

    @Nested
    class HillClimb extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new CorrectExtensions.HillClimbFactory();
        }
    }

    @Nested
    class Toy extends ToyFormat.Contract {
        @Override
        protected ModelFormatFactory factory() {
            return new ToyFormat.Factory();
        }
    }
}
