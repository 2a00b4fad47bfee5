package org.evomerge.engine.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds real PF4J plugins at test time: compiles Java sources against the test class path with the PF4J annotation
 * processor (so {@code META-INF/extensions.idx} is generated as in a real plugin build) and packages them as a plugin
 * zip ({@code plugin.properties}, {@code classes/}, {@code lib/}) or a jar plugin with manifest entries.
 */
final class PluginBuilder {

    private final Path workDir;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final List<Path> libs = new ArrayList<>();
    private final List<String> deleteAfterCompile = new ArrayList<>();
    private final List<Path> extraClassPath = new ArrayList<>();

    private final String fileName;

    PluginBuilder(Path workDir, String id) {
        this.workDir = workDir.resolve("build-" + id);
        this.fileName = id;
        properties.put("plugin.id", id);
        properties.put("plugin.version", "1.0.0");
        properties.put("plugin.provider", "tests");
        properties.put("plugin.description", "test plugin " + id);
    }

    PluginBuilder source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    PluginBuilder property(String key, String value) {
        if (value == null) {
            properties.remove(key);
        } else {
            properties.put(key, value);
        }
        return this;
    }

    /** A jar placed in the plugin's {@code lib/} and on the compile class path. */
    PluginBuilder lib(Path jar) {
        libs.add(jar);
        return this;
    }

    /** A class compiled with the plugin but left out of it, to provoke NoClassDefFoundError at run time. */
    PluginBuilder omitAfterCompile(String className) {
        deleteAfterCompile.add(className);
        return this;
    }

    PluginBuilder compileClassPath(Path entry) {
        extraClassPath.add(entry);
        return this;
    }

    /** Writes {@code <dir>/<id>.zip}. */
    Path buildZip(Path dir) {
        Path classes = compile();
        Path zip = dir.resolve(fileName + ".zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("plugin.properties"));
            out.write(propertiesText().getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            addTree(out, classes, "classes/");
            for (Path lib : libs) {
                out.putNextEntry(new ZipEntry("lib/" + lib.getFileName()));
                Files.copy(lib, out);
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip;
    }

    /** Writes {@code <dir>/<id>.jar} with the descriptor as MANIFEST entries (PF4J's jar plugin form). */
    Path buildJar(Path dir) {
        Path classes = compile();
        Manifest manifest = new Manifest();
        Attributes attributes = manifest.getMainAttributes();
        attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        properties.forEach((key, value) -> attributes.putValue(manifestName(key), value));
        Path jar = dir.resolve(fileName + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            addTree(out, classes, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    /** Compiles one class into a plain library jar (not a plugin). */
    static Path libraryJar(Path workDir, String jarName, String className, String code) {
        Path classes = compileSources(workDir.resolve("lib-" + jarName), Map.of(className, code), List.of(), false);
        Path jar = workDir.resolve(jarName);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            addTree(out, classes, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    private static String manifestName(String key) {
        // plugin.id -> Plugin-Id, plugin.requires -> Plugin-Requires
        String rest = key.substring("plugin.".length());
        return "Plugin-" + Character.toUpperCase(rest.charAt(0)) + rest.substring(1);
    }

    private String propertiesText() {
        StringBuilder text = new StringBuilder();
        properties.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        return text.toString();
    }

    private Path compile() {
        List<Path> classPath = new ArrayList<>(libs);
        classPath.addAll(extraClassPath);
        Path classes = compileSources(workDir, sources, classPath, true);
        for (String className : deleteAfterCompile) {
            try {
                Files.delete(classes.resolve(className.replace('.', '/') + ".class"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return classes;
    }

    private static Path compileSources(Path workDir, Map<String, String> sources, List<Path> classPath,
                                       boolean runExtensionProcessor) {
        try {
            Path src = Files.createDirectories(workDir.resolve("src"));
            Path classes = Files.createDirectories(workDir.resolve("classes"));
            List<String> files = new ArrayList<>();
            for (var entry : sources.entrySet()) {
                Path file = src.resolve(entry.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, entry.getValue());
                files.add(file.toString());
            }
            String cp = System.getProperty("java.class.path")
                    + classPath.stream().map(p -> java.io.File.pathSeparator + p).reduce("", String::concat);
            List<String> args = new ArrayList<>(List.of("--release", "25", "-d", classes.toString(), "-cp", cp,
                    "-proc:" + (runExtensionProcessor ? "full" : "none")));
            if (runExtensionProcessor) {
                args.addAll(List.of("-processorpath", System.getProperty("java.class.path"),
                        "-processor", "org.pf4j.processor.ExtensionAnnotationProcessor"));
            }
            args.addAll(files);
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
            int rc = javac.run(null, null, errors, args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("test plugin did not compile:\n" + errors);
            }
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void addTree(ZipOutputStream out, Path root, String prefix) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList()) {
                out.putNextEntry(new ZipEntry(prefix + root.relativize(file).toString().replace('\\', '/')));
                try (OutputStream ignored = null) {
                    Files.copy(file, out);
                }
                out.closeEntry();
            }
        }
    }
}
