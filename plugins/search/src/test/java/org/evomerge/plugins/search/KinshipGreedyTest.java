package org.evomerge.plugins.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.ParameterGenome;
import org.evomerge.api.genome.SearchSpace;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.search.KinshipOracle;
import org.evomerge.api.search.ScoredGenome;
import org.evomerge.api.search.SearchProblem;
import org.evomerge.api.search.SearchStrategy;
import org.evomerge.api.selection.Fitness;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.testkit.TestRunContexts;
import org.junit.jupiter.api.Test;

class KinshipGreedyTest {

    private static final SearchSpace LINE = new SearchSpace(List.of(new SearchSpace.Dimension("x", 0, 100)));

    private static ParameterGenome at(double x) {
        return new ParameterGenome(new double[] {x});
    }

    private static SearchStrategy strategy(List<Genome> seeds, Map<String, ?> params, KinshipOracle oracle) {
        Map<String, Object> withPool = new java.util.HashMap<>(params);
        withPool.putIfAbsent("initial_pool", seeds.size()); // the seeds only, no uniform fill
        Parameters parameters = ParameterValidator.validate(new KinshipGreedyFactory().descriptor(), withPool);
        return new KinshipGreedyFactory().create(new SearchProblem(LINE, seeds, 1, null, null, null), parameters,
                TestRunContexts.seeded(1, oracle == null ? Map.of() : Map.of(KinshipOracle.class, oracle)));
    }

    private static List<ScoredGenome> score(List<Genome> batch) {
        // Fitness peaks at x = 30.
        return batch.stream().map(g -> new ScoredGenome(g, Fitness.of(-Math.abs(((ParameterGenome) g).get(0) - 30))))
                .toList();
    }

    private static Set<Double> xs(List<Genome> batch) {
        Set<Double> xs = new HashSet<>();
        batch.forEach(g -> xs.add(((ParameterGenome) g).get(0)));
        return xs;
    }

    @Test
    void mergesAllPairsFirstThenTheTopKAndTheLeastRelatedPartnerOfTheBest() {
        // Kinship by hand: the distance on the line, negated (closer = more related).
        KinshipOracle oracle = (a, b) -> -Math.abs(((ParameterGenome) a).get(0) - ((ParameterGenome) b).get(0));
        SearchStrategy greedy = strategy(List.of(at(0), at(20), at(60), at(100)),
                Map.of("top_k", 2, "kinship_stop", 1.0), oracle);
        List<Genome> pool = greedy.ask();
        assertEquals(Set.of(0.0, 20.0, 60.0, 100.0), xs(pool));
        greedy.tell(score(pool));
        // Generation 1: the midpoints of all 6 pairs, except 60 = (20 + 100)/2, which is already in the pool.
        List<Genome> first = greedy.ask();
        assertEquals(Set.of(10.0, 30.0, 50.0, 40.0, 80.0), xs(first));
        greedy.tell(score(first));
        // S = top 2 = {30, 20} (20 and 40 tie; the earlier pool member wins). Pairs of S: 25. Exploration: the best,
        // 30, with its least related partner outside S, 100: 65.
        List<Genome> second = greedy.ask();
        assertEquals(Set.of(25.0, 65.0), xs(second));
        greedy.tell(score(second));
        // S = {30, 25}. (30, 100) is merged already, so the least related unmerged partner is 80 (distance 50): 55.
        assertEquals(Set.of(27.5, 55.0), xs(greedy.ask()));
    }

    @Test
    void explorationFromTheTopKFollowsThePaperLiterally() {
        KinshipOracle oracle = (a, b) -> -Math.abs(((ParameterGenome) a).get(0) - ((ParameterGenome) b).get(0));
        SearchStrategy greedy = strategy(List.of(at(0), at(20), at(60), at(100)),
                Map.of("top_k", 3, "kinship_stop", 1.0, "exploration_from", "top-k"), oracle);
        greedy.tell(score(greedy.ask()));
        greedy.tell(score(greedy.ask()));
        // S = {30, 20, 40}: its pairs give 25, 35 and 30 (already in the pool); the exploration partner is in S, so it
        // adds no new pair.
        assertEquals(Set.of(25.0, 35.0), xs(greedy.ask()));
    }

    @Test
    void stopsWhenTheTopSetDoesNotChange() {
        // Fitness |x − 50| favours the ends, so every merge is worse than its parents and S = {0, 100} stays.
        SearchStrategy greedy = strategy(List.of(at(0), at(100), at(40), at(70)), Map.of("top_k", 2), null);
        java.util.function.Function<List<Genome>, List<ScoredGenome>> ends = batch -> batch.stream()
                .map(g -> new ScoredGenome(g, Fitness.of(Math.abs(((ParameterGenome) g).get(0) - 50)))).toList();
        greedy.tell(ends.apply(greedy.ask()));
        greedy.tell(ends.apply(greedy.ask()));
        assertTrue(!greedy.isFinished(), "the first greedy generation still has to run");
        List<Genome> exploration = greedy.ask();
        assertEquals(1, exploration.size(), "the pair of S is merged; only the exploration merge is new");
        greedy.tell(ends.apply(exploration));
        assertTrue(greedy.isFinished());
        assertTrue(greedy.ask().isEmpty());
    }

    @Test
    void stopsEarlyWhenTheTopModelsAreTooCloselyRelated() {
        SearchStrategy greedy = strategy(List.of(at(0), at(20), at(60), at(100)), Map.of("kinship_stop", 0.9),
                (a, b) -> 0.95);
        greedy.tell(score(greedy.ask()));
        greedy.tell(score(greedy.ask()));
        assertTrue(greedy.isFinished(), "mean kinship 0.95 of the top set exceeds 0.9");
    }

    @Test
    void improvesOnTheBestInitialPoolMemberOfAFiveDimensionalSphere() {
        SearchStrategy greedy = Benchmarks.strategy(new KinshipGreedyFactory(), Benchmarks.SPHERE.problem(5),
                Map.of("initial_pool", 16), 1);
        List<Genome> pool = greedy.ask();
        double initialBest = pool.stream().mapToDouble(g -> Benchmarks.SPHERE.f().applyAsDouble(
                ((ParameterGenome) g).values())).min().orElseThrow();
        greedy.tell(pool.stream().map(g -> new ScoredGenome(g,
                Fitness.of(-Benchmarks.SPHERE.f().applyAsDouble(((ParameterGenome) g).values())))).toList());
        Benchmarks.Outcome outcome = Benchmarks.minimise(greedy, Benchmarks.SPHERE, 2_000);
        assertTrue(outcome.best() < 0.5 * initialBest, "initial best " + initialBest + ", final " + outcome.best());
        assertTrue(outcome.best() < 2.0, "final " + outcome.best());
    }
}
