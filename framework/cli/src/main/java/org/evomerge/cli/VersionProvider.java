package org.evomerge.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.evomerge.api.ApiVersion;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.compute.ComputeBackends;
import picocli.CommandLine.IVersionProvider;

/** {@code evomerge --version}: the version, the API version, the Java runtime and the compute backends found. */
public final class VersionProvider implements IVersionProvider {

    public static String evomergeVersion() {
        try (InputStream in = VersionProvider.class.getResourceAsStream("/org/evomerge/cli/version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        List<String> lines = new ArrayList<>();
        lines.add("evomerge " + evomergeVersion());
        lines.add("API " + ApiVersion.current());
        lines.add("Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.home") + ")");
        ComputeBackends backends = ComputeBackends.discover(Thread.currentThread().getContextClassLoader());
        List<String> described = new ArrayList<>();
        for (ComputeBackend backend : backends.all()) {
            described.add(backend.id() + " (" + (backends.isAvailable(backend) ? "available" : "not available") + ": "
                    + backend.description() + ")");
        }
        lines.add("Compute backends: " + (described.isEmpty() ? "none" : String.join(", ", described)));
        backends.loadErrors().forEach(e -> lines.add("  could not load a backend: " + e));
        return lines.toArray(String[]::new);
    }
}
