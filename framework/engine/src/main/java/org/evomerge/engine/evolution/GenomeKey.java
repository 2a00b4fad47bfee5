package org.evomerge.engine.evolution;

import org.evomerge.api.genome.Genome;
import org.evomerge.api.genome.LayerPathGenome;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.genome.ParameterGenome;

/** The fitness-cache key of a genome: equal for genomes that make the same model. */
final class GenomeKey {

    private GenomeKey() {
    }

    /**
     * Parameter values bit for bit (-0.0 as 0.0), a model's content hash (two folders with the same weights share a
     * score), a layer path's steps.
     */
    static String of(Genome genome) {
        return switch (genome) {
            case ParameterGenome p -> {
                StringBuilder b = new StringBuilder("p");
                for (double v : p.values()) {
                    b.append(':').append(Long.toHexString(Double.doubleToLongBits(v == 0.0 ? 0.0 : v)));
                }
                yield b.toString();
            }
            case ModelGenome m -> "m:" + m.contentHash();
            case LayerPathGenome l -> {
                StringBuilder b = new StringBuilder("l");
                for (LayerPathGenome.Step s : l.steps()) {
                    b.append(':').append(s.model()).append('/').append(s.layer()).append('/')
                            .append(Long.toHexString(Double.doubleToLongBits(s.scale())));
                }
                yield b.toString();
            }
        };
    }
}
