package org.evomerge.engine.evolution;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.evomerge.api.context.RandomSource;
import org.evomerge.api.genome.Genome;
import org.evomerge.api.mutation.Mutation;
import org.evomerge.api.mutation.MutationInput;

/**
 * Who bred whom. The engine hands strategies its operators wrapped by this class, so every child a crossover or a
 * mutation makes is remembered with its parents' genomes; when the child is evaluated its parents are named by the
 * ids under which they were evaluated. Strategies that move points (CMA-ES) make no children and record no parents.
 *
 * <p>Thread-safe.
 */
public final class Lineage {

    private final Map<String, List<String>> parentKeys = new ConcurrentHashMap<>();
    private final Map<String, String> idByKey = new ConcurrentHashMap<>();

    /** A mutation that records the parent of what it makes. */
    public Mutation track(Mutation mutation) {
        return new Mutation() {
            @Override
            public boolean accepts(Genome genome) {
                return mutation.accepts(genome);
            }

            @Override
            public Genome mutate(MutationInput input) {
                Genome child = mutation.mutate(input);
                record(child, List.of(input.parent()));
                return child;
            }
        };
    }

    /** A crossover that records the parents of what it makes. */
    public BiFunction<List<Genome>, RandomSource, Genome> track(BiFunction<List<Genome>, RandomSource, Genome> crossover) {
        return (parents, random) -> {
            Genome child = crossover.apply(parents, random);
            record(child, parents);
            return child;
        };
    }

    private void record(Genome child, List<Genome> parents) {
        String key = GenomeKey.of(child);
        List<String> keys = new ArrayList<>();
        for (Genome p : parents) {
            String pk = GenomeKey.of(p);
            if (!pk.equals(key)) {
                // A mutation's parent may itself be a child bred in the same batch: keep its own parents' trail.
                keys.add(pk);
            }
        }
        parentKeys.merge(key, keys, (a, b) -> {
            LinkedHashSet<String> all = new LinkedHashSet<>(a);
            all.addAll(b);
            return List.copyOf(all);
        });
    }

    /** Remembers the first id a genome was evaluated under. */
    public void evaluated(Genome genome, String id) {
        idByKey.putIfAbsent(GenomeKey.of(genome), id);
    }

    /**
     * The evaluated ancestors of {@code genome}: its recorded parents' ids; a parent never evaluated (an
     * intermediate crossover child that was then mutated) is replaced by its own parents.
     */
    public List<String> parents(Genome genome) {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        collect(GenomeKey.of(genome), ids, new LinkedHashSet<>(), true);
        return List.copyOf(ids);
    }

    private void collect(String key, LinkedHashSet<String> ids, LinkedHashSet<String> seen, boolean self) {
        if (!seen.add(key)) {
            return;
        }
        String id = idByKey.get(key);
        if (!self && id != null) {
            ids.add(id);
            return;
        }
        for (String parent : parentKeys.getOrDefault(key, List.of())) {
            collect(parent, ids, seen, false);
        }
    }
}
