package org.evomerge.cli.config;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.EvomergeCommand;
import org.evomerge.cli.output.JsonOutput;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.config.ConfigurationEntry;
import org.evomerge.engine.config.ConfigurationLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evomerge config show [--json]}: every key, its value, and which layer set it. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Print every configuration key, its value and its source.",
                "The source is the layer that set the value. Precedence: command line > EVOMERGE_* environment >"
                        + " --config FILE > user file (~/.config/evomerge/config.yaml) > the installation's"
                        + " conf/evomerge.yaml > built-in defaults."})
public final class ConfigShowCommand implements Runnable {

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        CommandSession session = EvomergeCommand.session(spec);
        List<ConfigurationEntry> entries = ConfigurationLoader.explain(session.configurationSources());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            for (ConfigurationEntry e : entries) {
                doc.put(e.key(), Map.of("value", e.value(), "source", e.source()));
            }
            JsonOutput.print(out, doc);
            return;
        }
        TextTable table = new TextTable("KEY", "VALUE", "SOURCE");
        entries.forEach(e -> table.row(e.key(), e.value(), e.source()));
        table.print(out);
    }
}
