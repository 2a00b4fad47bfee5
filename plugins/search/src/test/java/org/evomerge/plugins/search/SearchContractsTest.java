package org.evomerge.plugins.search;

import java.util.Set;
import org.evomerge.api.search.SearchStrategyFactory;
import org.evomerge.testkit.SearchStrategyContract;
import org.junit.jupiter.api.Nested;

/** Every strategy of this plugin passes the test kit's search contract. */
class SearchContractsTest {

    @Nested
    class CmaEs extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new CmaEsFactory();
        }
    }

    @Nested
    class Genetic extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new GeneticAlgorithmFactory();
        }
    }

    @Nested
    class DifferentialEvolution extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new DifferentialEvolutionFactory();
        }
    }

    @Nested
    class RandomSearch extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new RandomSearchFactory();
        }

        @Override
        protected Set<String> wholeNumbersReadAsLong() {
            return Set.of("max_evaluations");
        }
    }

    @Nested
    class KinshipGreedy extends SearchStrategyContract {
        @Override
        protected SearchStrategyFactory factory() {
            return new KinshipGreedyFactory();
        }
    }
}
