package org.evomerge.cli.plugins;

import java.io.PrintWriter;
import java.util.Map;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.cli.EvomergeCommand;
import org.evomerge.cli.output.JsonOutput;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.plugin.PluginHost;
import org.evomerge.engine.plugin.PluginReport;
import org.evomerge.engine.plugin.RegisteredExtension;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code evomerge plugins info ID [--json]}. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show one plugin and the parameter schemas of its extensions.")
public final class PluginsInfoCommand implements Runnable {

    @Parameters(paramLabel = "ID", description = "The plugin id (see 'evomerge plugins list').")
    String id;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PluginHost host = EvomergeCommand.session(spec).plugins();
        PluginReport report = host.plugin(id).orElseThrow(() -> EvomergeException.configuration("no plugin '" + id
                + "'; installed: " + String.join(", ", host.plugins().stream().map(PluginReport::id).toList())));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = PluginDocuments.plugin(report);
            doc.put("extensions", report.extensions().stream().map(e -> PluginDocuments.extension(e, true)).toList());
            JsonOutput.print(out, doc);
            return;
        }
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
            out.println(e.descriptor().kind().id() + " '" + e.descriptor().id() + "' " + e.descriptor().version()
                    + (e.descriptor().description().isBlank() ? "" : ": " + e.descriptor().description()));
            if (!e.descriptor().capabilities().isEmpty()) {
                out.println("  capabilities: " + String.join(", ", PluginDocuments.capabilities(e)));
            }
            if (e.descriptor().parameters().parameters().isEmpty()) {
                out.println("  no parameters");
                continue;
            }
            TextTable table = new TextTable("  PARAMETER", "TYPE", "SCOPE", "DEFAULT", "RANGE", "DESCRIPTION");
            for (ParameterSpec p : e.descriptor().parameters().parameters()) {
                table.row("  " + p.name(), p.type().name().toLowerCase(java.util.Locale.ROOT),
                        p.scope().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                        p.required() ? "(required)" : String.valueOf(p.defaultValue()), range(p), p.description());
            }
            table.print(out);
        }
        out.flush();
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
