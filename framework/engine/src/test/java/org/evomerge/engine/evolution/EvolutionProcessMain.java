package org.evomerge.engine.evolution;

import java.nio.file.Path;

/**
 * A run in its own JVM, for the kill-and-resume test: {@code FIXTURE_DIR RUN_FILE RUN_DIR resume|start}. Prints
 * {@code done} when the run ends.
 */
public final class EvolutionProcessMain {

    private EvolutionProcessMain() {
    }

    public static void main(String[] args) {
        new EvolutionFixture(Path.of(args[0]));
        EvolutionFixture.run(Path.of(args[1]), Path.of(args[2]), args[3].equals("resume"), 2);
        System.out.println("done");
    }
}
