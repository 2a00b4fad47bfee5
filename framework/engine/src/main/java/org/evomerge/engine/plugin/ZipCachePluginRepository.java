package org.evomerge.engine.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.evomerge.engine.context.FolderTree;
import org.pf4j.PluginRepository;

/**
 * Finds plugins in the plugin folders: plugin folders, jar plugins, and zip plugins. Unlike PF4J's default
 * repository it never writes into the plugin folders: zips are expanded into a cache folder keyed by the zip's path,
 * size and time, so a read-only installation works and two processes never see a half-expanded plugin.
 */
final class ZipCachePluginRepository implements PluginRepository {

    private final List<Path> roots;
    private final Path cache;
    private final BiConsumer<Path, String> onError;
    private final BiConsumer<Path, Path> onExpanded;

    /**
     * @param onError    receives a zip that cannot be expanded and the reason, so the host reports it as failed
     * @param onExpanded receives each expanded folder and the zip it came from
     */
    ZipCachePluginRepository(List<Path> roots, Path cache, BiConsumer<Path, String> onError,
                             BiConsumer<Path, Path> onExpanded) {
        this.roots = List.copyOf(roots);
        this.cache = cache;
        this.onError = onError;
        this.onExpanded = onExpanded;
    }

    @Override
    public List<Path> getPluginPaths() {
        List<Path> paths = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(root)) {
                for (Path entry : entries.sorted(Comparator.comparing(Path::toString)).toList()) {
                    String name = entry.getFileName().toString();
                    String lower = name.toLowerCase(Locale.ROOT);
                    if (name.startsWith(".")) {
                        continue;
                    }
                    if (Files.isDirectory(entry)) {
                        // A folder PF4J expanded beside its zip in older installs is skipped in favour of the zip.
                        if (!Files.exists(root.resolve(name + ".zip"))) {
                            paths.add(entry);
                        }
                    } else if (lower.endsWith(".jar")) {
                        paths.add(entry);
                    } else if (lower.endsWith(".zip")) {
                        Path expanded = expand(entry);
                        if (expanded != null) {
                            onExpanded.accept(expanded, entry);
                            paths.add(expanded);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list plugin folder " + root, e);
            }
        }
        return paths;
    }

    private Path expand(Path zip) {
        try {
            Path target = cache.resolve(stem(zip) + "-" + fingerprint(zip));
            if (Files.isDirectory(target)) {
                return target;
            }
            Files.createDirectories(cache);
            Path staging = Files.createTempDirectory(cache, ".expanding-");
            try {
                unzip(zip, staging);
                try {
                    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    // Another process expanded the same zip first; its copy is identical.
                    if (!Files.isDirectory(target)) {
                        throw e;
                    }
                } catch (IOException e) {
                    if (!Files.isDirectory(target)) {
                        throw e;
                    }
                }
            } finally {
                FolderTree.delete(staging);
            }
            return target;
        } catch (IOException | RuntimeException e) {
            onError.accept(zip, "cannot expand plugin zip: " + e.getMessage());
            return null;
        }
    }

    private static void unzip(Path zip, Path into) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                Path out = into.resolve(entry.getName()).normalize();
                if (!out.startsWith(into)) {
                    throw new IOException("entry '" + entry.getName() + "' points outside the plugin");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String stem(Path zip) {
        String name = zip.getFileName().toString();
        return name.substring(0, name.length() - 4);
    }

    private static String fingerprint(Path zip) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(zip.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            digest.update(Long.toString(Files.size(zip)).getBytes(StandardCharsets.UTF_8));
            digest.update(Files.getLastModifiedTime(zip).toString().getBytes(StandardCharsets.UTF_8));
            // The content decides too: a zip replaced within the same second and size must not reuse a stale copy.
            try (InputStream in = Files.newInputStream(zip)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean deletePluginPath(Path pluginPath) {
        return false; // the host never deletes installed plugins
    }
}
