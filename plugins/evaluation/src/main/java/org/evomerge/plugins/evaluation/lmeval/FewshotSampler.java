package org.evomerge.plugins.evaluation.lmeval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * lm-evaluation-harness's few-shot samplers ({@code lm_eval/api/samplers.py}). {@code default} draws
 * {@code Random(seed).sample(docs, n)} (or {@code n + 1} and drops the evaluated document when the few-shot documents
 * come from the split being evaluated), one generator for the whole task, so each document's examples depend on the
 * documents before it, exactly as in lm-eval; {@code fewshot_indices} restrict the pool first. {@code first_n} takes
 * the first {@code n} (without the evaluated document). Not thread-safe.
 */
final class FewshotSampler {

    private final boolean firstN;
    private final List<Map<String, Object>> docs;
    private final Optional<List<Integer>> indices;
    private final PythonRandom random;

    FewshotSampler(String sampler, List<Map<String, Object>> docs, Optional<List<Integer>> indices, long seed) {
        this.firstN = sampler.equals("first_n");
        this.docs = List.copyOf(docs);
        this.indices = indices;
        this.random = new PythonRandom(seed);
    }

    /**
     * {@code n} few-shot documents.
     *
     * @param evalDoc the document being evaluated, when it may be among the pool
     * @throws IllegalArgumentException when the pool is too small
     */
    List<Map<String, Object>> sample(int n, Optional<Map<String, Object>> evalDoc) {
        if (n == 0) {
            return List.of();
        }
        if (firstN) {
            List<Map<String, Object>> pool = evalDoc.map(d -> withoutDoc(docs, d)).orElse(docs);
            if (n > pool.size()) {
                throw new IllegalArgumentException("the task asks for " + n + " few-shot examples, but the few-shot"
                        + " documents hold only " + pool.size());
            }
            return pool.subList(0, n);
        }
        List<Map<String, Object>> pool = docs;
        if (indices.isPresent()) {
            pool = new ArrayList<>();
            for (int i : indices.get()) {
                pool.add(docs.get(i));
            }
        }
        int draw = evalDoc.isPresent() ? n + 1 : n;
        if (draw > pool.size()) {
            throw new IllegalArgumentException("the task asks for " + n + " few-shot examples"
                    + (evalDoc.isPresent() ? " (drawn as " + draw + ", to drop the evaluated document)" : "")
                    + ", but the few-shot documents hold only " + pool.size());
        }
        List<Map<String, Object>> drawn = random.sample(pool, draw);
        if (evalDoc.isEmpty()) {
            return drawn;
        }
        List<Map<String, Object>> kept = withoutDoc(drawn, evalDoc.get());
        return kept.subList(0, Math.min(n, kept.size()));
    }

    private static List<Map<String, Object>> withoutDoc(List<Map<String, Object>> docs, Map<String, Object> doc) {
        List<Map<String, Object>> kept = new ArrayList<>(docs.size());
        for (Map<String, Object> d : docs) {
            if (!d.equals(doc)) {
                kept.add(d);
            }
        }
        return kept;
    }
}
