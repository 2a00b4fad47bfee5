package org.evomerge.api.genome;

import java.nio.file.Path;
import java.util.Objects;
import org.evomerge.api.Experimental;

/**
 * A whole model as an individual, held on disk (memory-mapped when read).
 *
 * @param folder      the model folder
 * @param contentHash a hash of the weights, so identical individuals share cached scores
 */
@Experimental(since = "0.1.0",
        reason = "genome encodings that evolution searches; new encodings may join the sealed set")
public record ModelGenome(Path folder, String contentHash) implements Genome {

    public ModelGenome {
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(contentHash, "contentHash");
    }
}
