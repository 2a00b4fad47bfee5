package org.evomerge.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The compiled classes of the API module, read with the JDK's class-file API (no reflection, no class loading). */
final class ApiClassFiles {

    private ApiClassFiles() {
    }

    /** Every class of the API module, from the directory or jar that holds {@link ApiVersion}. */
    static List<ClassModel> all() {
        try {
            Path location = Path.of(ApiVersion.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) {
                return read(location);
            }
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                return read(jar.getPath("/"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<ClassModel> read(Path root) throws IOException {
        List<ClassModel> classes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")
                    && !f.getFileName().toString().equals("module-info.class")).sorted().toList()) {
                classes.add(ClassFile.of().parse(Files.readAllBytes(file)));
            }
        }
        return classes;
    }
}
