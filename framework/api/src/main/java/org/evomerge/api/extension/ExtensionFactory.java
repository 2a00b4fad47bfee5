package org.evomerge.api.extension;

import org.evomerge.api.Stable;
import org.pf4j.ExtensionPoint;

/**
 * Common root of every extension point. A plugin is a set of factories: each describes itself with a
 * {@link ExtensionDescriptor} and creates configured, run-scoped instances on demand.
 *
 * <p>Factories are created once per host and must be thread-safe and cheap to construct: do heavy work in
 * {@code create}, not in the constructor. A constructor that throws makes only this extension unavailable.
 */
@Stable(since = "0.1.0")
public interface ExtensionFactory extends ExtensionPoint {

    /** The descriptor; must return equal values on every call. */
    ExtensionDescriptor descriptor();
}
