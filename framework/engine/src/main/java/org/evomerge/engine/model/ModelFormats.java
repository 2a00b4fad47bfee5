package org.evomerge.engine.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.engine.parameter.ParameterValidator;
import org.evomerge.engine.plugin.ExtensionCatalog;
import org.evomerge.engine.plugin.RegisteredExtension;

/** The installed model formats, and the rule that picks one for a path: the first (by id) that recognises it. */
public final class ModelFormats {

    /** A created format with its id. */
    public record Installed(String id, ModelFormat format) {
    }

    /** The file of a Hugging Face model folder that states its architecture. */
    public static final String CONFIG_FILE = "config.json";

    private final List<Installed> formats;
    private final List<String> writers;
    private final Map<String, RegisteredExtension> extensions;
    private final RunContext context;

    private ModelFormats(List<Installed> formats, List<String> writers, Map<String, RegisteredExtension> extensions,
                         RunContext context) {
        this.formats = List.copyOf(formats);
        this.writers = List.copyOf(writers);
        this.extensions = Map.copyOf(extensions);
        this.context = context;
    }

    public static ModelFormats from(ExtensionCatalog catalog, RunContext context) {
        List<Installed> formats = new ArrayList<>();
        List<String> writers = new ArrayList<>();
        Map<String, RegisteredExtension> extensions = new LinkedHashMap<>();
        for (RegisteredExtension e : catalog.ofKind(ExtensionKind.MODEL_FORMAT)) {
            ModelFormatFactory factory = (ModelFormatFactory) e.factory();
            formats.add(new Installed(e.descriptor().id(),
                    factory.create(ParameterValidator.validate(e.descriptor(), Map.of()), context)));
            if (e.descriptor().has(Capability.WRITABLE)) {
                writers.add(e.descriptor().id());
            }
            extensions.put(e.descriptor().id(), e);
        }
        return new ModelFormats(formats, writers, extensions, context);
    }

    public List<Installed> all() {
        return formats;
    }

    /**
     * The format that reads {@code path}.
     *
     * @throws EvomergeException (INPUT) when the path does not exist or no installed format recognises it
     */
    public Installed forPath(Path path) {
        if (!Files.exists(path)) {
            throw EvomergeException.input(path + ": no such file or folder", null);
        }
        for (Installed installed : formats) {
            if (installed.format().recognizes(path)) {
                return installed;
            }
        }
        throw EvomergeException.input(path + ": not a model in any installed format (installed: "
                + (formats.isEmpty() ? "none; see 'evomerge plugins list'"
                : String.join(", ", formats.stream().map(Installed::id).toList())) + ")", null);
    }

    /** Opens {@code path} with the format that recognises it. */
    public Model open(Path path) {
        return forPath(path).format().open(path);
    }

    /**
     * What an opened model lacks to be merged or run: a model that states no configuration at all, read from a folder
     * (or a file in a folder) without {@code config.json}, where Hugging Face models state their architecture, layer
     * count and sizes. Without it a merge finds no layers and inference no architecture, and neither could say why.
     * Empty when the model states a configuration (GGUF metadata, a test format's own file) or the file is there.
     */
    public static Optional<String> missingConfig(Model model) {
        if (!model.config().raw().isEmpty() || model.location().isEmpty()) {
            return Optional.empty();
        }
        Path location = model.location().get();
        boolean folder = Files.isDirectory(location);
        Path configFile = (folder ? location : location.toAbsolutePath().getParent()).resolve(CONFIG_FILE);
        if (Files.exists(configFile)) {
            return Optional.empty();
        }
        return Optional.of(folder
                ? location + " has no " + CONFIG_FILE + " (a Hugging Face model folder needs one: it states the"
                        + " model's architecture and sizes)"
                : location + " has no " + CONFIG_FILE + " beside it (a model file without its own configuration"
                        + " takes the architecture and sizes from the " + CONFIG_FILE + " of its folder)");
    }

    /**
     * Refuses a model that cannot be merged or run ({@link #missingConfig}).
     *
     * @throws EvomergeException (INPUT) naming the model's folder or file and the missing file
     */
    public static void requireConfig(Model model) {
        missingConfig(model).ifPresent(problem -> {
            throw EvomergeException.input(problem, null);
        });
    }

    /**
     * The format merged and evolved models are written in: {@code id}, as the configuration's {@code output.format}
     * names it.
     *
     * @throws EvomergeException (CONFIGURATION) naming the key when no installed format writes models under that id
     */
    public Installed output(String id) {
        return output(id, "output.format");
    }

    /**
     * The format models are written in: {@code id}, as {@code key} names it (the configuration's
     * {@code output.format}, or a command's {@code --out-format}).
     *
     * @throws EvomergeException (CONFIGURATION) naming {@code key} when no installed format writes models under that id
     */
    public Installed output(String id, String key) {
        if (!writers.contains(id)) {
            throw EvomergeException.configuration(key + ": " + (formats.stream().anyMatch(f -> f.id().equals(id))
                    ? "model format '" + id + "' reads models but does not write them"
                    : "no model format '" + id + "' is installed") + " (formats that write models: "
                    + (writers.isEmpty() ? "none" : String.join(", ", writers)) + ")");
        }
        return byId(id);
    }

    /**
     * The output format {@code id} ({@link #output}) created with {@code settings} (its parameters, e.g. GGUF's
     * {@code out_type}).
     *
     * @throws EvomergeException (CONFIGURATION) as {@link #output}, or if a setting is not one of the format's
     *                           parameters or not a valid value
     */
    public Installed configured(String id, Map<String, ?> settings) {
        Installed installed = output(id);
        if (settings.isEmpty()) {
            return installed;
        }
        RegisteredExtension extension = extensions.get(id);
        ModelFormatFactory factory = (ModelFormatFactory) extension.factory();
        return new Installed(id, factory.create(ParameterValidator.validate(extension.descriptor(), settings), context));
    }

    /** The format with id {@code id}, for writing. */
    public Installed byId(String id) {
        return formats.stream().filter(f -> f.id().equals(id)).findFirst().orElseThrow(() ->
                EvomergeException.configuration("no model format '" + id + "' is installed (installed: "
                        + String.join(", ", formats.stream().map(Installed::id).toList()) + ")"));
    }
}
