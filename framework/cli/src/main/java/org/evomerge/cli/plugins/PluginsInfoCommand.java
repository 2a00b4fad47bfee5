package org.evomerge.cli.plugins;

import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.input.ClosestNames;
import org.evomerge.engine.plugin.PluginHost;
import org.evomerge.engine.plugin.PluginReport;
import org.evomerge.engine.plugin.RegisteredExtension;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code evomerge plugins info ID [--json]}: a plugin, or the extensions with that id, with parameter schemas. */
@Command(name = "info", mixinStandardHelpOptions = true)
public final class PluginsInfoCommand implements Runnable {

    @Parameters(paramLabel = "ID", descriptionKey = "id")
    String id;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        PluginHost host = output.session().plugins();
        Optional<PluginReport> plugin = host.plugin(id);
        if (plugin.isPresent()) {
            PluginReport report = plugin.get();
            output.print(() -> {
                Map<String, Object> doc = PluginDocuments.plugin(report);
                doc.put("extensions", report.extensions().stream().map(e -> PluginDocuments.extension(e, true))
                        .toList());
                return doc;
            }, out -> printPlugin(out, report));
            return;
        }
        List<RegisteredExtension> extensions = host.catalog().all().stream()
                .filter(e -> e.descriptor().id().equals(id)).toList();
        if (extensions.isEmpty()) {
            throw unknown(host);
        }
        output.print(() -> Map.of("extensions", extensions.stream().map(e -> PluginDocuments.extension(e, true))
                .toList()), out -> printExtensions(out, extensions));
    }

    private EvomergeException unknown(PluginHost host) {
        Set<String> known = new LinkedHashSet<>();
        host.plugins().forEach(p -> known.add(p.id()));
        host.catalog().all().forEach(e -> known.add(e.descriptor().id()));
        return EvomergeException.configuration("no plugin or extension '" + id + "'" + ClosestNames.hint(id, known)
                + "; plugins: " + (host.plugins().isEmpty() ? "none"
                : String.join(", ", host.plugins().stream().map(PluginReport::id).toList()))
                + " (extensions: see 'evomerge plugins list')");
    }

    private static void printPlugin(PrintWriter out, PluginReport report) {
        out.println("Plugin:      " + report.id() + " " + report.version());
        out.println("State:       " + report.status().id() + report.error().map(e -> " (" + e + ")").orElse(""));
        if (!report.description().isBlank()) {
            out.println("Description: " + report.description());
        }
        if (!report.provider().isBlank()) {
            out.println("Provider:    " + report.provider());
        }
        out.println("Requires:    API " + (report.requires().isBlank() ? "*" : report.requires()));
        out.println("Path:        " + report.path());
        report.problems().forEach(p -> out.println("Problem:     " + p));
        for (RegisteredExtension e : report.extensions()) {
            out.println();
            printExtension(out, e, false);
        }
    }

    private static void printExtensions(PrintWriter out, List<RegisteredExtension> extensions) {
        for (int i = 0; i < extensions.size(); i++) {
            if (i > 0) {
                out.println();
            }
            printExtension(out, extensions.get(i), true);
        }
    }

    private static void printExtension(PrintWriter out, RegisteredExtension e, boolean withPlugin) {
        out.println(e.descriptor().kind().id() + " '" + e.descriptor().id() + "' " + e.descriptor().version()
                + (e.descriptor().description().isBlank() ? "" : ": " + e.descriptor().description()));
        if (withPlugin) {
            out.println("  plugin: " + e.pluginId());
        }
        if (!e.descriptor().capabilities().isEmpty()) {
            out.println("  capabilities: " + String.join(", ", PluginDocuments.capabilities(e)));
        }
        if (e.descriptor().parameters().parameters().isEmpty()) {
            out.println("  no parameters");
            return;
        }
        TextTable table = new TextTable("  PARAMETER", "TYPE", "SCOPE", "DEFAULT", "RANGE/CHOICES", "DESCRIPTION");
        for (ParameterSpec p : e.descriptor().parameters().parameters()) {
            table.row("  " + p.name(), p.type().name().toLowerCase(Locale.ROOT),
                    p.scope().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    p.required() ? "(required)" : String.valueOf(p.defaultValue()), range(p), p.description());
        }
        table.print(out);
    }

    private static String range(ParameterSpec p) {
        if (!p.choices().isEmpty()) {
            return String.join("|", p.choices());
        }
        if (p.min() == null && p.max() == null) {
            return "";
        }
        return "[" + (p.min() == null ? "-inf" : trim(p.min())) + ", " + (p.max() == null ? "inf" : trim(p.max())) + "]";
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
