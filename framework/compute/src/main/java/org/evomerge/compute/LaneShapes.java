package org.evomerge.compute;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes the Vector API task-vector kernels share: the widest doubles, and floats and longs with as many
 * lanes, so that widening a float lane to a double, a long to a double or a mask word's bits to a lane mask is a
 * single instruction.
 */
final class LaneShapes {

    static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats and longs with as many lanes as {@link #D}: converting between them is a single instruction. */
    static final VectorSpecies<Float> F =
            VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, D.vectorBitSize() / 2)));
    static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> F_FULL = FloatVector.SPECIES_PREFERRED;
    static final int LANES = D.length();
    /**
     * Whether the lane-wise kernels fit this machine (lanes dividing a 64-bit mask word); where they do not, the
     * kernels run the reference loops.
     */
    static final boolean USABLE = F.length() == LANES && L.length() == LANES && 64 % LANES == 0 && LANES >= 2;

    private LaneShapes() {
    }
}
