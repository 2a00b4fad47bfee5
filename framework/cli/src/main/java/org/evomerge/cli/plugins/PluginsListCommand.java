package org.evomerge.cli.plugins;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomerge.api.ApiVersion;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.plugin.PluginHost;
import org.evomerge.engine.plugin.PluginReport;
import org.evomerge.engine.plugin.RegisteredExtension;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code evomerge plugins list [--json]}. */
@Command(name = "list", mixinStandardHelpOptions = true)
public final class PluginsListCommand implements Runnable {

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        PluginHost host = output.session().plugins();
        output.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("api_version", ApiVersion.current().toString());
            doc.put("plugins", host.plugins().stream().map(PluginDocuments::plugin).toList());
            doc.put("extensions", host.catalog().all().stream().map(e -> PluginDocuments.extension(e, false)).toList());
            return doc;
        }, out -> printText(host, out));
    }

    private static void printText(PluginHost host, PrintWriter out) {
        if (host.plugins().isEmpty()) {
            out.println("No plugins found.");
        } else {
            TextTable plugins = new TextTable("PLUGIN", "VERSION", "STATE", "DETAILS");
            for (PluginReport report : host.plugins()) {
                String details = report.error().orElse(report.problems().isEmpty() ? report.description()
                        : report.problems().size() + " extension(s) not loaded: " + String.join("; ", report.problems()));
                plugins.row(report.id(), report.version(), report.status().id(), details);
            }
            plugins.print(out);
        }
        out.println();
        if (host.catalog().all().isEmpty()) {
            out.println("No extensions available.");
        } else {
            TextTable extensions = new TextTable("KIND", "EXTENSION", "VERSION", "PLUGIN");
            for (RegisteredExtension e : host.catalog().all()) {
                extensions.row(e.descriptor().kind().id(), e.descriptor().id(), e.descriptor().version(), e.pluginId());
            }
            extensions.print(out);
        }
    }
}
