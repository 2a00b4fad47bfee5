package org.evomerge.gpu.tornado;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TornadoBackend} for a device test class, registered as a static {@code @RegisterExtension} field: it
 * sets the class's system properties (read when the backend starts), starts the backend, skips the whole class when
 * no TornadoVM runtime is present (the JVM was not started with TornadoVM's argfile, or no device was found), and
 * closes the backend after the class.
 */
public final class TornadoDevice implements BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> properties;
    private TornadoBackend backend;

    /** @param properties system properties to set before the backend starts */
    public TornadoDevice(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
    }

    /** The backend with its default settings. */
    public TornadoDevice() {
        this(Map.of());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        properties.forEach(System::setProperty);
        backend = new TornadoBackend();
        TornadoBackend started = backend;
        assumeTrue(started.isAvailable(), () -> "no TornadoVM runtime: " + started.description());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    /** The started backend, for the class's tests. */
    public TornadoBackend backend() {
        return backend;
    }
}
