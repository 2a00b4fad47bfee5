package org.evomerge.api.merge;

import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.evomerge.api.Experimental;
import org.evomerge.api.parameter.Parameters;

/**
 * A whole-model magnitude threshold a merge method asks the engine for before any tensor is merged (for instance
 * TIES trimming over the whole model instead of per tensor, as the TIES paper and MergeLM do).
 *
 * <p>For each non-base model m the engine streams every tensor m takes part in, computes the task vector
 * δ = x_m − base exactly as the method will see it (float32, after dtype rounding and vocabulary alignment), and finds
 * the threshold t such that |δ| ≥ t holds for the k = ⌊Σ_tensors fraction·n⌋ largest magnitudes of the model (ties at
 * t are all included, so at least k elements pass): t = the k-th largest |δ|, +∞ when k = 0, 0 when k is every
 * element. {@code fraction} is evaluated on m's {@code PER_MODEL} parameters of each tensor (so a constant density d
 * gives k = ⌊d·N⌋). The method reads t through {@link ModelWideStatistics#magnitudeThreshold}.
 *
 * @param name          the threshold's name, unique within the method
 * @param keptFraction  the fraction in [0, 1] of a tensor's elements counted towards k, from that model's parameters
 *                      for the tensor; values outside [0, 1] are clamped
 */
@Experimental(since = "0.1.0",
        reason = "model-wide magnitude statistics from a pre-pass; other statistics may join them")
public record MagnitudeQuantile(String name, ToDoubleFunction<Parameters> keptFraction) {

    public MagnitudeQuantile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keptFraction, "keptFraction");
    }
}
