package org.evomerge.engine.kinship;

import java.util.Arrays;
import java.util.Locale;
import org.evomerge.api.EvomergeException;

/**
 * How the kinship of two task vectors (model minus base) is measured, as in the Model Kinship paper.
 */
public enum KinshipMetric {
    /** Pearson correlation coefficient; 1 for identical directions, in [-1, 1]. */
    PCC("pcc", true),
    /** Cosine similarity ⟨a, b⟩ / (‖a‖‖b‖), in [-1, 1]. */
    COSINE("cosine", true),
    /** |cosine|, the variant ModelKinship's code computes: opposite task vectors count as close kin. */
    ABSOLUTE_COSINE("abs-cosine", true),
    /** Euclidean distance ‖a − b‖₂: 0 for identical task vectors, lower is closer kin. */
    EUCLIDEAN("euclidean", false);

    private final String id;
    private final boolean similarity;

    KinshipMetric(String id, boolean similarity) {
        this.id = id;
        this.similarity = similarity;
    }

    /** The name used on the command line, in JSON and in journals. */
    public String id() {
        return id;
    }

    /** True when a higher value means closer kin (correlations, cosines); false for distances. */
    public boolean isSimilarity() {
        return similarity;
    }

    /**
     * The metric called {@code id} (case-insensitive).
     *
     * @throws EvomergeException (configuration) naming the known metrics when there is none
     */
    public static KinshipMetric byId(String id) {
        for (KinshipMetric m : values()) {
            if (m.id.equalsIgnoreCase(id.strip())) {
                return m;
            }
        }
        throw EvomergeException.configuration("unknown kinship metric '" + id + "' (known: "
                + String.join(", ", Arrays.stream(values()).map(KinshipMetric::id).toList()) + ")");
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
