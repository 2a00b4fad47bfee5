package org.evomerge.api.parameter;

import org.evomerge.api.Stable;

/**
 * Where a parameter's value may vary. This follows mergekit, which tells method-wide options apart from values
 * resolved per tensor (which may be gradients over layers or filtered by tensor name) and per input model.
 */
@Stable(since = "0.1.0")
public enum ParameterScope {
    /** One value for the whole run or merge (e.g. {@code normalize}). */
    GLOBAL,
    /** Resolved for each tensor; may follow a gradient over layers or a name filter (e.g. SLERP's {@code t}). */
    PER_TENSOR,
    /** Resolved for each tensor and each input model (e.g. {@code weight}, {@code density}). */
    PER_MODEL
}
