package org.evomerge.engine.plugin;

/** What became of a plugin the host found. */
public enum PluginStatus {
    /** Loaded and started; its extensions are available. */
    STARTED,
    /** Turned off by configuration ({@code plugins.disabled}). */
    DISABLED,
    /** Needs a newer API than this host offers. */
    INCOMPATIBLE,
    /** Could not be loaded or started; {@link PluginReport#error()} says why. */
    FAILED;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
