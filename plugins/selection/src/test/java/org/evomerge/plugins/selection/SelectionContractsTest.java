package org.evomerge.plugins.selection;

import org.evomerge.api.selection.SelectionSchemeFactory;
import org.evomerge.testkit.SelectionSchemeContract;
import org.junit.jupiter.api.Nested;

/** Every scheme of this plugin passes the test kit's selection contract. */
class SelectionContractsTest {

    @Nested
    class Tournament extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new TournamentSelectionFactory();
        }
    }

    @Nested
    class Truncation extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new TruncationSelectionFactory();
        }
    }

    @Nested
    class Roulette extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new RouletteSelectionFactory();
        }
    }

    @Nested
    class Rank extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new RankSelectionFactory();
        }
    }

    @Nested
    class Elitism extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new ElitismSelectionFactory();
        }

        @Override
        protected boolean samplesWithReplacement() {
            return false;
        }
    }

    @Nested
    class Nsga2 extends SelectionSchemeContract {
        @Override
        protected SelectionSchemeFactory factory() {
            return new Nsga2SelectionFactory();
        }
    }
}
