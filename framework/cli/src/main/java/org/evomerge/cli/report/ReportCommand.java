package org.evomerge.cli.report;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomerge.cli.CommandOutput;
import org.evomerge.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code evomerge report RUN_DIR}: (re)writes an evolution run's plots and HTML report. */
@Command(name = "report", mixinStandardHelpOptions = true)
public final class ReportCommand implements Runnable {

    @Parameters(paramLabel = "RUN_DIR", descriptionKey = "runDir")
    Path runDir;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        Path cwd = output.session().environment().workingDirectory();
        RunReport.Written written = RunReport.write(cwd.resolve(runDir).normalize());
        output.print(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("report", written.html().toString());
            doc.put("plots", written.plots().stream().map(Path::toString).toList());
            doc.put("evaluations", written.journal().evaluations().size());
            doc.put("finished", written.journal().finish().isPresent());
            doc.put("torn_last_line", written.journal().tornLastLine());
            return doc;
        }, out -> {
            for (Path p : written.plots()) {
                out.println("wrote " + p);
            }
            out.println("wrote " + written.html());
        });
    }
}
