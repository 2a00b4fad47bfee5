package org.evomerge.runfolder;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** The run folders written by the build before journal format 2 (test resources, see their README). */
final class MainJournals {

    /** Recipe genomes with kinship lines; a layer path; whole models; multi-fidelity with two objectives. */
    static final List<String> RUNS = List.of("cma-ties", "path", "de-model", "ga-dare");

    private MainJournals() {
    }

    static Path folder(String run) {
        try {
            return Path.of(MainJournals.class.getResource("main-journals/" + run + "/journal.jsonl").toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
