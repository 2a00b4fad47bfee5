package org.evomerge.cli.kinship;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.evomerge.api.model.Model;
import org.evomerge.cli.CliEnvironment;
import org.evomerge.cli.CommandOutput;
import org.evomerge.cli.CommandSession;
import org.evomerge.cli.output.TextTable;
import org.evomerge.engine.kinship.KinshipCalculator;
import org.evomerge.engine.kinship.KinshipCalculator.NamedModel;
import org.evomerge.engine.kinship.KinshipMetric;
import org.evomerge.engine.kinship.KinshipOptions;
import org.evomerge.engine.kinship.KinshipPrecision;
import org.evomerge.engine.kinship.KinshipResult;
import org.evomerge.engine.kinship.TensorKinship;
import org.evomerge.engine.model.ModelFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge kinship --base BASE M1 M2 [...]}: how closely related fine-tunes of one base are. */
@Command(name = "kinship", mixinStandardHelpOptions = true)
public final class KinshipCommand implements Runnable {

    /** The metrics offered on the command line; the absolute cosine is {@code cosine} with {@code --absolute}. */
    enum MetricOption { PCC, COSINE, EUCLIDEAN }

    
    /** Lower-case names for help and completion (values are matched case-insensitively). */
    static final class MetricNames extends ArrayList<String> {
        MetricNames() {
            super(List.of("pcc", "cosine", "euclidean"));
        }
    }

    static final class PrecisionNames extends ArrayList<String> {
        PrecisionNames() {
            super(List.of("full", "int8"));
        }
    }

    @Option(names = "--base", required = true, paramLabel = "BASE")
    Path base;

    @Parameters(arity = "2..*", paramLabel = "MODEL", descriptionKey = "models")
    List<Path> models;

    @Option(names = "--metric", paramLabel = "METRIC", defaultValue = "pcc",
            completionCandidates = MetricNames.class)
    MetricOption metric;

    @Option(names = "--absolute")
    boolean absolute;

    @Option(names = "--per-tensor")
    boolean perTensor;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "full",
            completionCandidates = PrecisionNames.class)
    KinshipPrecision precision;

    @Mixin
    CommandOutput output;

    @Override
    public void run() {
        if (absolute && metric != MetricOption.COSINE) {
            throw new picocli.CommandLine.ParameterException(output.commandLine(),
                    "--absolute applies only to --metric cosine");
        }
        KinshipMetric chosen = switch (metric) {
            case PCC -> KinshipMetric.PCC;
            case COSINE -> absolute ? KinshipMetric.ABSOLUTE_COSINE : KinshipMetric.COSINE;
            case EUCLIDEAN -> KinshipMetric.EUCLIDEAN;
        };
        KinshipOptions options = new KinshipOptions(perTensor, precision);
        CommandSession session = output.session();
        ModelFormats formats = session.modelFormats();
        List<Model> opened = new ArrayList<>();
        try {
            NamedModel baseModel = new NamedModel(base.toString(), open(formats, session.environment(), base, opened));
            List<NamedModel> named = new ArrayList<>();
            for (Path m : models) {
                named.add(new NamedModel(m.toString(), open(formats, session.environment(), m, opened)));
            }
            KinshipResult result = KinshipCalculator.of(session.runContext()).compute(baseModel, named, options);
            output.print(() -> document(result, chosen), out -> printText(out, result, chosen));
        } finally {
            for (Model m : opened) {
                m.close();
            }
        }
    }

    private static Model open(ModelFormats formats, CliEnvironment environment, Path path, List<Model> opened) {
        Model model = formats.open(environment.resolve(path));
        opened.add(model);
        return model;
    }

    private Map<String, Object> document(KinshipResult result, KinshipMetric chosen) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("metric", chosen.id());
        doc.put("base", base.toString());
        doc.put("models", result.models());
        doc.put("matrix", jsonMatrix(result.matrix(chosen)));
        doc.put("mean", jsonNumber(result.mean(chosen)));
        doc.put("scope", perTensor ? "per-tensor" : "whole-model");
        doc.put("precision", precision.name().toLowerCase(Locale.ROOT));
        doc.put("elements", result.whole().count());
        doc.put("skipped", result.skipped());
        if (perTensor) {
            List<Map<String, Object>> tensors = new ArrayList<>();
            for (TensorKinship t : result.tensors()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", t.name());
                entry.put("shape", t.shape().dims());
                entry.put("elements", t.statistics().count());
                entry.put("matrix", jsonMatrix(t.statistics().matrix(chosen)));
                tensors.add(entry);
            }
            doc.put("tensors", tensors);
        }
        return doc;
    }

    /** JSON has no NaN: an undefined value (a model equal to the base) is null. */
    private static List<List<Double>> jsonMatrix(double[][] matrix) {
        List<List<Double>> rows = new ArrayList<>();
        for (double[] row : matrix) {
            List<Double> values = new ArrayList<>();
            for (double v : row) {
                values.add(jsonNumber(v));
            }
            rows.add(values);
        }
        return rows;
    }

    private static Double jsonNumber(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private void printText(PrintWriter out, KinshipResult result, KinshipMetric chosen) {
        int k = result.models().size();
        out.printf(Locale.ROOT, "%s of task vectors (model - %s), %s, %s precision; %s%n", chosen.id(), base,
                perTensor ? "per tensor, element-weighted mean" : "whole model",
                precision.name().toLowerCase(Locale.ROOT),
                chosen.isSimilarity() ? "higher is closer kin" : "lower is closer kin");
        out.println();
        String[] header = new String[k + 2];
        header[0] = "#";
        header[1] = "MODEL";
        for (int j = 0; j < k; j++) {
            header[j + 2] = Integer.toString(j + 1);
        }
        TextTable table = new TextTable(header);
        double[][] matrix = result.matrix(chosen);
        for (int i = 0; i < k; i++) {
            String[] row = new String[k + 2];
            row[0] = Integer.toString(i + 1);
            row[1] = result.models().get(i);
            for (int j = 0; j < k; j++) {
                row[j + 2] = format(matrix[i][j]);
            }
            table.row(row);
        }
        table.print(out);
        if (k > 2) {
            out.printf(Locale.ROOT, "%nmean over pairs: %s%n", format(result.mean(chosen)));
        }
        if (perTensor) {
            out.println();
            List<String> pairHeader = new ArrayList<>(List.of("TENSOR", "ELEMENTS"));
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    pairHeader.add((i + 1) + "~" + (j + 1));
                }
            }
            TextTable tensors = new TextTable(pairHeader.toArray(String[]::new));
            for (TensorKinship t : result.tensors()) {
                List<String> row = new ArrayList<>(List.of(t.name(), Long.toString(t.statistics().count())));
                for (int i = 0; i < k; i++) {
                    for (int j = i + 1; j < k; j++) {
                        row.add(format(t.statistics().value(chosen, i, j)));
                    }
                }
                tensors.row(row.toArray(String[]::new));
            }
            tensors.print(out);
        }
        if (!result.skipped().isEmpty()) {
            out.println();
            out.println("skipped (not real-valued): " + String.join(", ", result.skipped()));
        }
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.6f", v);
    }
}
