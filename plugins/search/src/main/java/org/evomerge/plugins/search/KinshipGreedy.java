package org.evomerge.plugins.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.ToDoubleBiFunction;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.search.ScoredGenome;

/**
 * Top-k greedy merging with kinship-guided exploration (ModelKinship, appendix C.1 and §5.1 of the paper).
 *
 * <ol>
 *   <li>The pool P starts as the initial models (asked first, so they are scored).</li>
 *   <li>Generation 1 merges every pair of P.</li>
 *   <li>Each later generation merges every not-yet-merged pair of S = top-k of P and, as exploration, the best model
 *       with its lowest-kinship partner (the paper's Algorithm 1 says "highest", a typo; its tables show partners at
 *       kinship 0.24–0.65). With a deterministic merge every pair of S is already merged, so by default the partner
 *       comes from the pool outside S ({@code exploration_from: pool}); {@code top-k} follows the paper literally.</li>
 *   <li>It finishes when S does not change over a generation, when the mean pairwise kinship of S exceeds the stop
 *       threshold (the paper's early stop at 0.9), or when no new pair is left to merge.</li>
 * </ol>
 *
 * <p>A pair is never merged twice and a child equal to a pool member is not asked again. Merges of pair (i, j) use
 * {@code random.fork(i).fork(j)} with i, j the pool indices, fittest parent first (the merge's base end). Not
 * thread-safe.
 */
final class KinshipGreedy extends PopulationSearch {

    private final int topK;
    private final boolean exploration;
    private final boolean explorationFromPool;
    private final double kinshipStop;
    private final int maxGenerations;
    private final BiFunction<List<Genome>, RandomSource, Genome> merge;
    private final ToDoubleBiFunction<Genome, Genome> kinship;
    private final RandomSource random;

    private List<Genome> pool;
    private List<Double> scores;
    private final Map<Genome, Integer> index = new HashMap<>();
    private final Set<Long> merged = new HashSet<>();
    private List<Integer> previousTop;
    private int generation;
    private boolean finished;

    KinshipGreedy(List<Genome> initial, int topK, boolean exploration, boolean explorationFromPool, double kinshipStop,
            int maxGenerations, BiFunction<List<Genome>, RandomSource, Genome> merge,
            ToDoubleBiFunction<Genome, Genome> kinship, RandomSource random) {
        super(List.copyOf(new java.util.LinkedHashSet<>(initial)));
        this.topK = topK;
        this.exploration = exploration;
        this.explorationFromPool = explorationFromPool;
        this.kinshipStop = kinshipStop;
        this.maxGenerations = maxGenerations;
        this.merge = merge;
        this.kinship = kinship;
        this.random = random;
    }

    @Override
    List<Genome> nextGeneration() {
        List<int[]> pairs = new ArrayList<>();
        if (generation == 0) {
            for (int i = 0; i < pool.size(); i++) {
                for (int j = i + 1; j < pool.size(); j++) {
                    pairs.add(new int[] {i, j});
                }
            }
        } else {
            List<Integer> top = top();
            for (int a = 0; a < top.size(); a++) {
                for (int b = a + 1; b < top.size(); b++) {
                    pairs.add(new int[] {top.get(a), top.get(b)});
                }
            }
            if (exploration) {
                int best = top.getFirst();
                int partner = -1;
                double lowest = Double.POSITIVE_INFINITY;
                for (int m = 0; m < pool.size(); m++) {
                    boolean inTop = top.contains(m);
                    if (m == best || inTop != !explorationFromPool || merged.contains(key(best, m))) {
                        continue;
                    }
                    double k = kinship.applyAsDouble(pool.get(best), pool.get(m));
                    if (k < lowest) {
                        lowest = k;
                        partner = m;
                    }
                }
                if (partner >= 0) {
                    pairs.add(new int[] {best, partner});
                }
            }
        }
        List<Genome> batch = new ArrayList<>();
        Set<Genome> seen = new HashSet<>();
        for (int[] pair : pairs) {
            if (!merged.add(key(pair[0], pair[1]))) {
                continue;
            }
            int first = scores.get(pair[0]) >= scores.get(pair[1]) ? pair[0] : pair[1];
            int second = first == pair[0] ? pair[1] : pair[0];
            Genome child = merge.apply(List.of(pool.get(first), pool.get(second)),
                    random.fork(Math.min(first, second)).fork(Math.max(first, second)));
            if (!index.containsKey(child) && seen.add(child)) {
                batch.add(child);
            }
        }
        if (batch.isEmpty()) {
            finished = true;
            return List.of();
        }
        return batch;
    }

    private static long key(int i, int j) {
        return ((long) Math.min(i, j) << 32) | Math.max(i, j);
    }

    /** Pool indices of the k best-scored members, best first; ties go to the earlier member. */
    private List<Integer> top() {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> {
            int byScore = Double.compare(scores.get(b), scores.get(a));
            return byScore != 0 ? byScore : Integer.compare(a, b);
        });
        return List.copyOf(order.subList(0, Math.min(topK, order.size())));
    }

    @Override
    void accept(List<ScoredGenome> results) {
        boolean first = pool == null;
        if (first) {
            pool = new ArrayList<>();
            scores = new ArrayList<>();
        }
        for (ScoredGenome result : results) {
            if (!index.containsKey(result.genome())) {
                index.put(result.genome(), pool.size());
                pool.add(result.genome());
                scores.add(result.fitness().primary());
            }
        }
        if (first) {
            return;
        }
        generation++;
        List<Integer> top = top();
        if (generation >= 2 && top.equals(previousTop)) {
            finished = true;
        }
        previousTop = top;
        if (kinshipStop < 1 && top.size() > 1 && meanKinship(top) > kinshipStop) {
            finished = true;
        }
        if (maxGenerations > 0 && generation >= maxGenerations) {
            finished = true;
        }
    }

    private double meanKinship(List<Integer> members) {
        double sum = 0;
        int pairs = 0;
        for (int a = 0; a < members.size(); a++) {
            for (int b = a + 1; b < members.size(); b++) {
                sum += kinship.applyAsDouble(pool.get(members.get(a)), pool.get(members.get(b)));
                pairs++;
            }
        }
        return sum / pairs;
    }

    @Override
    public boolean isFinished() {
        return finished && !awaitingResults();
    }
}
