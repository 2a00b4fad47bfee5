package org.evomerge.cli.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.config.ConfigurationEntry;
import org.evomerge.engine.config.ConfigurationLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code evomerge config show [--json]}: every key, its value, and which layer set it. */
@Command(name = "show", mixinStandardHelpOptions = true)
public final class ConfigShowCommand implements Runnable {

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        List<ConfigurationEntry> entries = ConfigurationLoader.explain(output.session().configurationSources());
        output.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            for (ConfigurationEntry e : entries) {
                doc.put(e.key(), Map.of("value", e.value(), "source", e.source()));
            }
            return doc;
        }, out -> {
            TextTable table = new TextTable("KEY", "VALUE", "SOURCE");
            entries.forEach(e -> table.row(e.key(), e.value(), e.source()));
            table.print(out);
        });
    }
}
