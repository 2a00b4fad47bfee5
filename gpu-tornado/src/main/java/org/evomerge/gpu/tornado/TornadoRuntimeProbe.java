package org.evomerge.gpu.tornado;

import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * Whether a TornadoVM runtime with at least one device is present in this JVM. Kept apart from
 * {@link TornadoBackend} so that a JVM started without TornadoVM fails here, inside a {@code catch (Throwable)},
 * and nowhere else.
 *
 * @param available whether kernels can run
 * @param device    the default device's name, or why there is none
 */
record TornadoRuntimeProbe(boolean available, String device) {

    /** The system property TornadoVM's argfile sets; without it the runtime cannot start. */
    static final String RUNTIME_PROPERTY = "tornado.load.runtime.implementation";

    static TornadoRuntimeProbe run() {
        if (System.getProperty(RUNTIME_PROPERTY) == null) {
            return new TornadoRuntimeProbe(false, "TornadoVM is not loaded (start evomerge with bin/evomerge-gpu)");
        }
        try {
            var runtime = TornadoRuntimeProvider.getTornadoRuntime();
            if (runtime.getNumBackends() == 0) {
                return new TornadoRuntimeProbe(false, "TornadoVM found no device backend");
            }
            var device = runtime.getDefaultDevice();
            return new TornadoRuntimeProbe(true, device.getPhysicalDevice().getDeviceName() + " ("
                    + runtime.getBackendType(0) + ")");
        } catch (Throwable e) {
            // NoClassDefFoundError, ExceptionInInitializerError, TornadoRuntimeException, a driver's UnsatisfiedLinkError:
            // all mean "cannot run here", and the probe must never throw.
            return new TornadoRuntimeProbe(false, "TornadoVM could not start: " + e);
        }
    }
}
