package org.evomerge.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a run directory as {@code evolve} does (the contract in docs/report.md): a seeded GA-like run where every
 * candidate of generation g > 0 has two parents in generation g − 1, fitness rising with the generation.
 */
final class SyntheticRun {

    final int generations;
    final int population;
    final List<List<String>> parents = new ArrayList<>();
    final List<String> ids = new ArrayList<>();
    final List<Double> fitness = new ArrayList<>();
    final List<Integer> generationOf = new ArrayList<>();

    SyntheticRun(int generations, int population) {
        this.generations = generations;
        this.population = population;
        SplittableRandom random = new SplittableRandom(5);
        for (int g = 0; g < generations; g++) {
            for (int i = 0; i < population; i++) {
                ids.add("g" + g + "-" + i);
                generationOf.add(g);
                fitness.add(0.3 + 0.05 * g + 0.04 * random.nextDouble());
                if (g == 0) {
                    parents.add(List.of());
                } else {
                    int a = random.nextInt(population);
                    int b = (a + 1 + random.nextInt(population - 1)) % population;
                    parents.add(List.of("g" + (g - 1) + "-" + a, "g" + (g - 1) + "-" + b));
                }
            }
        }
    }

    /** The id with the highest fitness in the last generation. */
    String bestId() {
        int best = -1;
        for (int i = 0; i < ids.size(); i++) {
            if (generationOf.get(i) == generations - 1 && (best < 0 || fitness.get(i) > fitness.get(best))) {
                best = i;
            }
        }
        return ids.get(best);
    }

    List<String> journalLines(boolean kinship, boolean finish) {
        List<String> lines = new ArrayList<>();
        lines.add("{\"type\":\"start\",\"version\":1,\"seed\":42,\"strategy\":\"genetic\",\"objectives\":"
                + "[\"arithmetic\",\"winogrande\"],\"started\":\"2026-11-23T20:00:00Z\"}");
        for (int g = 0; g < generations; g++) {
            double best = Double.NEGATIVE_INFINITY;
            double sum = 0;
            String bestId = "";
            for (int i = 0; i < ids.size(); i++) {
                if (generationOf.get(i) != g) {
                    continue;
                }
                double f = fitness.get(i);
                sum += f;
                if (f > best) {
                    best = f;
                    bestId = ids.get(i);
                }
                lines.add(String.format(Locale.ROOT, "{\"type\":\"evaluation\",\"id\":\"%s\",\"generation\":%d,"
                                + "\"genome\":{\"kind\":\"parameters\",\"values\":[%.3f,%.3f]},\"parents\":[%s],"
                                + "\"fitness\":[%.6f,%.6f],\"metrics\":{\"arithmetic\":{\"accuracy\":%.6f},"
                                + "\"winogrande\":{\"acc\":0.5}},\"seconds\":1.5,\"cached\":false}",
                        ids.get(i), g, f / 2, 1 - f / 2, String.join(",", parents.get(i).stream()
                                .map(p -> "\"" + p + "\"").toList()), f, 0.5, f));
            }
            lines.add(String.format(Locale.ROOT, "{\"type\":\"generation\",\"generation\":%d,\"evaluations\":%d,"
                    + "\"best\":%.6f,\"mean\":%.6f,\"best_id\":\"%s\",\"elapsed\":%.1f}", g, (g + 1) * population,
                    best, sum / population, bestId, 10.0 * (g + 1)));
            if (kinship && g == generations - 1) {
                lines.add("{\"type\":\"kinship\",\"generation\":" + g + ",\"ids\":[\"g" + g + "-0\",\"g" + g
                        + "-1\",\"g" + g + "-2\"],\"metric\":\"pcc\",\"matrix\":[[1.0,0.62,0.31],[0.62,1.0,0.48],"
                        + "[0.31,0.48,1.0]]}");
            }
        }
        if (finish) {
            lines.add("{\"type\":\"finish\",\"best_id\":\"" + bestId() + "\",\"best_fitness\":[0.5,0.5],"
                    + "\"reason\":\"budget\"}");
        }
        return lines;
    }

    Path write(Path dir, boolean kinship, boolean finish, boolean history) throws IOException {
        Files.createDirectories(dir.resolve("best"));
        Files.writeString(dir.resolve("run.yml"), "strategy: genetic\nseed: 42\npopulation: " + population
                + "\n# <script>alert('not run')</script>\n");
        Files.writeString(dir.resolve("best/recipe.yml"), "merge_method: slerp\nbase_model: base\n");
        Files.write(dir.resolve("journal.jsonl"), journalLines(kinship, finish), StandardCharsets.UTF_8);
        if (history) {
            StringBuilder csv = new StringBuilder("generation,evaluations,best,mean,std,worst,elapsed_seconds\n");
            for (int g = 0; g < generations; g++) {
                csv.append(String.format(Locale.ROOT, "%d,%d,%.4f,%.4f,0.01,%.4f,%.1f%n", g, (g + 1) * population,
                        0.35 + 0.05 * g, 0.32 + 0.05 * g, 0.3 + 0.05 * g, 10.0 * (g + 1)));
            }
            Files.writeString(dir.resolve("history.csv"), csv);
        }
        return dir;
    }
}
