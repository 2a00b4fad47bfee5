package org.evomerge.engine.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
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

    private final List<Installed> formats;

    private ModelFormats(List<Installed> formats) {
        this.formats = List.copyOf(formats);
    }

    public static ModelFormats from(ExtensionCatalog catalog, RunContext context) {
        List<Installed> formats = new ArrayList<>();
        for (RegisteredExtension e : catalog.ofKind(ExtensionKind.MODEL_FORMAT)) {
            ModelFormatFactory factory = (ModelFormatFactory) e.factory();
            formats.add(new Installed(e.descriptor().id(),
                    factory.create(ParameterValidator.validate(e.descriptor(), Map.of()), context)));
        }
        return new ModelFormats(formats);
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

    /** The format with id {@code id}, for writing. */
    public Installed byId(String id) {
        return formats.stream().filter(f -> f.id().equals(id)).findFirst().orElseThrow(() ->
                EvomergeException.configuration("no model format '" + id + "' is installed (installed: "
                        + String.join(", ", formats.stream().map(Installed::id).toList()) + ")"));
    }
}
