package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.evomerge.demo.CharacterTokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every run file under {@code docs/examples/} runs through {@code evomerge evolve} with the standard plugins, so the
 * strategy, selection, mutation, evaluator and merge-method ids and parameter names they document are the ones the
 * plugins accept. The 7B checkpoints and datasets they name are not on this machine: each referenced model path is
 * filled with one of the small real Llama checkpoints of {@code shared/mergekit-cases} (given a character
 * tokenizer), each dataset with three lines of the schema its evaluator reads, and only the sizes that cannot fit
 * those models are changed: the evaluation budget, the number of layer groups and the generation length shrink,
 * and the context grows to 1024 positions so a default-length answer fits as it does in a 7B model.
 */
class ExamplesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MODEL_PATH = Pattern.compile("((?:\\.\\./)*(?:models|merges)/[A-Za-z0-9._-]+)");
    private static final Pattern DATA = Pattern.compile("evaluator: *([a-z-]+)[^\\n]*?\\n?[^\\n]*?data: *([^ \\n}#,]+)");
    private static final Pattern TRAINING_DATA = Pattern.compile("dataset: *([^ \\n}#,]+)");
    private static final List<String> CHECKPOINTS = List.of("base", "ft1", "ft2");

    @TempDir
    Path temp;

    @TestFactory
    Stream<DynamicTest> everyDocumentedRunFileRunsWithTheStandardPlugins() throws IOException {
        Path examples = Path.of(System.getProperty("evomerge.root", System.getProperty("user.dir") + "/../.."))
                .resolve("docs/examples").normalize();
        List<Path> files;
        try (Stream<Path> list = Files.list(examples)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("evolve-")).sorted().toList();
        }
        assertTrue(files.size() >= 4, "run files in " + examples + ": " + files);
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> run(file)));
    }

    private void run(Path example) throws IOException {
        Path checkpoints = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "f32");
        Assumptions.assumeTrue(Files.isDirectory(checkpoints.resolve("base")), "shared reference models not present");
        String name = example.getFileName().toString().replace(".yml", "");
        // Run files that live in a run folder name their models as ../models/...: one level down serves both kinds.
        Path folder = Files.createDirectories(temp.resolve(name).resolve("runs"));
        String text = Files.readString(example);

        List<String> models = new ArrayList<>();
        Matcher m = MODEL_PATH.matcher(text);
        while (m.find()) {
            if (!models.contains(m.group(1))) {
                models.add(m.group(1));
            }
        }
        assertTrue(models.size() >= 2, name + " names fewer than two models");
        for (int i = 0; i < models.size(); i++) {
            Path model = Distributions.copy(checkpoints.resolve(CHECKPOINTS.get(i % CHECKPOINTS.size())),
                    folder.resolve(models.get(i)).normalize());
            writeCharacterTokenizer(model);
            // Room for the generation evaluator's default 256 new tokens after a prompt, as a 7B model has.
            Path config = model.resolve("config.json");
            String json = Files.readString(config);
            Files.delete(config); // the shared copy is read-only
            Files.writeString(config, json.replace("\"max_position_embeddings\": 256",
                    "\"max_position_embeddings\": 1024"));
        }

        Matcher d = DATA.matcher(text);
        int datasets = 0;
        while (d.find()) {
            Path data = folder.resolve(d.group(2)).normalize();
            Files.createDirectories(data.getParent());
            Files.writeString(data, dataFor(d.group(1)));
            datasets++;
        }
        assertTrue(datasets >= 1, name + " has no evaluator data");
        Matcher t = TRAINING_DATA.matcher(text);
        while (t.find()) {
            Path data = folder.resolve(t.group(1)).normalize();
            Files.createDirectories(data.getParent());
            Files.writeString(data, dataFor("generation")); // fine-tuning reads {"prompt", "answer"} records
        }

        String shrunk = text.replaceAll("(?m)^(\\s*evaluations:)\\s*\\d+", "$1 4")
                .replaceAll("(?m)^(\\s*layer_groups:)\\s*\\d+", "$1 2")
                .replaceAll("max_new_tokens: *\\d+", "max_new_tokens: 8");
        Path runFile = Files.writeString(folder.resolve(example.getFileName().toString()), shrunk);

        Processes.Result result = Distributions.evomerge(Distributions.built(), folder, temp.resolve(name + "-user"),
                "--quiet", "evolve", runFile.toString(), "--out", folder.resolve("run").toString(), "--json");
        assertEquals(0, result.exitCode(), name + ": " + result);
        // A run file with stages runs each stage in a run folder of its own.
        Path stages = folder.resolve("run/stages");
        List<Path> runs = List.of(folder.resolve("run"));
        if (Files.isDirectory(stages)) {
            try (Stream<Path> list = Files.list(stages)) {
                runs = list.sorted().toList();
            }
            assertTrue(runs.size() >= 2, name + ": stages " + runs);
        }
        for (Path run : runs) {
            checkRunFolder(name, run);
        }
    }

    private static void checkRunFolder(String name, Path run) throws IOException {
        List<String> journal = Files.readAllLines(run.resolve("journal.jsonl"));
        long evaluations = journal.stream().filter(l -> l.contains("\"type\":\"evaluation\"")).count();
        assertTrue(evaluations >= 1, name + ": no evaluation in the journal");
        for (String line : journal) {
            JsonNode node = JSON.readTree(line);
            if ("evaluation".equals(node.get("type").asText())) {
                for (JsonNode f : node.get("fitness")) {
                    assertTrue(Double.isFinite(f.asDouble()), name + ": fitness " + line);
                }
            }
        }
        assertTrue(Files.isRegularFile(run.resolve("best/config.json")), name + ": no best model in " + run);
    }

    /** Three records of the schema each evaluator reads (the shared JSONL contract). */
    private static String dataFor(String evaluator) {
        return switch (evaluator) {
            case "classification" -> """
                    {"text": "a fine film", "label": "positive"}
                    {"text": "dull and long", "label": "negative"}
                    {"text": "I loved it", "label": "positive"}
                    """;
            case "multiple-choice" -> """
                    {"context": "The sky is", "choices": [" blue", " loud"], "label": 0}
                    {"context": "Fire is", "choices": [" cold", " hot"], "label": 1}
                    {"context": "Two and two make", "choices": [" four", " five", " six"], "label": 0}
                    """;
            case "generation" -> """
                    {"prompt": "1+1=", "answer": "2"}
                    {"prompt": "2+3=", "answer": "5"}
                    {"prompt": "4+4=", "answer": "8"}
                    """;
            case "perplexity" -> """
                    {"text": "the cat sat on the mat"}
                    {"text": "one two three four"}
                    {"text": "abc abc abc"}
                    """;
            default -> throw new AssertionError("no sample data for evaluator '" + evaluator + "'; add it here");
        };
    }

    /** The demo's character tokenizer over printable ASCII: Hugging Face files every evaluator reads. */
    private static void writeCharacterTokenizer(Path model) {
        StringBuilder printable = new StringBuilder();
        for (char c = 32; c < 127; c++) {
            printable.append(c);
        }
        new CharacterTokenizer(printable.toString()).writeSideFiles(model, 1024);
    }
}
