package org.evomerge.cli.plugins;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.engine.plugin.PluginReport;
import org.evomerge.engine.plugin.RegisteredExtension;

/** The JSON shapes of plugin reports; keys are part of the CLI's contract. */
final class PluginDocuments {

    private PluginDocuments() {
    }

    static Map<String, Object> plugin(PluginReport report) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", report.id());
        doc.put("version", report.version());
        doc.put("state", report.status().id());
        doc.put("error", report.error().orElse(null));
        doc.put("problems", report.problems());
        doc.put("description", report.description());
        doc.put("provider", report.provider());
        doc.put("requires", report.requires());
        doc.put("path", report.path().toString());
        doc.put("extensions", report.extensions().stream().map(e -> Map.of(
                "kind", e.descriptor().kind().id(), "id", e.descriptor().id())).toList());
        return doc;
    }

    static Map<String, Object> extension(RegisteredExtension extension, boolean withSchema) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("kind", extension.descriptor().kind().id());
        doc.put("id", extension.descriptor().id());
        doc.put("version", extension.descriptor().version());
        doc.put("plugin", extension.pluginId());
        doc.put("description", extension.descriptor().description());
        doc.put("capabilities", capabilities(extension));
        if (withSchema) {
            doc.put("parameters", extension.descriptor().parameters().parameters().stream()
                    .map(PluginDocuments::parameter).toList());
        }
        return doc;
    }

    static List<String> capabilities(RegisteredExtension extension) {
        return extension.descriptor().capabilities().stream().sorted()
                .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
    }

    static Map<String, Object> parameter(ParameterSpec spec) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", spec.name());
        doc.put("type", spec.type().name().toLowerCase(Locale.ROOT));
        doc.put("scope", spec.scope().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        doc.put("required", spec.required());
        doc.put("default", spec.defaultValue());
        doc.put("min", spec.min());
        doc.put("max", spec.max());
        if (!spec.choices().isEmpty()) {
            doc.put("choices", spec.choices());
        }
        doc.put("description", spec.description());
        return doc;
    }

    static String describe(Capability capability) {
        return capability.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
