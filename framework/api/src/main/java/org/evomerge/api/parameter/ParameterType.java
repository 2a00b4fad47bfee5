package org.evomerge.api.parameter;

import org.evomerge.api.Stable;

/** The value type of a parameter. Validated values arrive as the Java type named on each constant. */
@Stable(since = "0.1.0")
public enum ParameterType {
    /** {@link Boolean}; accepts true/false, 1/0 and their texts (yes/no, on/off, ...), as mergekit's pydantic does. */
    BOOLEAN,
    /** {@link Long}; accepts whole numbers only (2 or 2.0, not 2.5). */
    INTEGER,
    /** {@link Double}; finite numbers only. */
    NUMBER,
    /** {@link String}. */
    STRING,
    /** {@link String}, one of {@link ParameterSpec#choices()}. */
    CHOICE,
    /** {@link String} naming a file or folder, resolved by the caller. */
    PATH
}
