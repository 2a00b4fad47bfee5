package org.evomerge.gpu.tornado.plan;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * One compiled TornadoVM execution plan with the off-heap buffers its task graph was built over. The graph is
 * built and snapshotted once, in the constructor of the subclass; every call then copies host data into the same
 * buffers and executes the same plan, so TornadoVM compiles the kernels on the first execution only. Not
 * thread-safe: the backend serialises calls. {@link #close()} frees the device memory.
 */
public abstract class DevicePlan implements AutoCloseable {

    /**
     * OpenCL build options of every plan: warnings off, nothing else. TornadoVM's default adds
     * {@code -cl-mad-enable -cl-fast-relaxed-math}, which lets the OpenCL compiler fuse {@code a * b + c} and relax
     * rounding; the kernels promise the CPU backends' bits (the test kit's contract), and on PoCL those defaults
     * changed linear combinations and TIES combines by one ulp.
     */
    static final String OPENCL_BUILD_OPTIONS = "-w";

    private TornadoExecutionPlan plan;

    /** Compiles nothing yet: TornadoVM compiles on the first {@link #execute()}. */
    protected final void build(ImmutableTaskGraph graph) {
        plan = new TornadoExecutionPlan(graph);
        // the flags live in the plan's executor, shared with the chained plan this call returns
        plan.withCompilerFlags(TornadoVMBackendType.OPENCL, OPENCL_BUILD_OPTIONS);
    }

    /** Runs the plan once (transfers in, kernels, transfers out). */
    protected final void execute() {
        plan.execute();
    }

    /** Copies {@code count} floats of {@code src} into {@code dst} from element {@code offset}. */
    protected static void copyIn(float[] src, FloatArray dst, long offset, int count) {
        MemorySegment.copy(src, 0, dst.getSegment(), ValueLayout.JAVA_FLOAT, offset * Float.BYTES, count);
    }

    /** Copies {@code count} floats of {@code src} into {@code dst}. */
    protected static void copyOut(FloatArray src, float[] dst, int count) {
        MemorySegment.copy(src.getSegment(), ValueLayout.JAVA_FLOAT, 0, dst, 0, count);
    }

    @Override
    public void close() {
        if (plan != null) {
            try {
                plan.close();
            } catch (TornadoExecutionPlanException e) {
                throw new IllegalStateException("could not free TornadoVM device memory: " + e.getMessage(), e);
            } finally {
                plan = null;
            }
        }
    }
}
