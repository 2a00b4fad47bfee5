package org.evomerge.api.context;

import java.nio.file.Path;
import org.evomerge.api.Stable;

/**
 * Run-scoped temporary storage on disk (intermediate models, caches). It is removed when the run ends, unless the
 * run keeps it for resuming.
 */
@Stable(since = "0.1.0")
public interface ScratchSpace {

    /** The run's scratch folder; it exists. */
    Path root();

    /** A new, empty folder under {@link #root()} whose name starts with {@code prefix}. */
    Path newFolder(String prefix);

    /** A new, empty file under {@link #root()}. */
    Path newFile(String prefix, String suffix);
}
