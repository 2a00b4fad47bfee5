package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evomerge eval} on task files in lm-evaluation-harness's own format, as a user of lm-eval writes them, with
 * their data in local JSONL and CSV files: names found through {@code --task-search-path} and through the
 * configuration key, {@code include:}, a group and a tag, lm-eval's metric keys in {@code --json}, standard errors as
 * lm-eval computes them, and the samples of {@code --log-samples}. The model is the shared small Llama with a
 * character tokenizer written here.
 */
class LmEvalIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Processes.Result evomerge(String... args) {
        return Distributions.evomerge(Distributions.built(), temp, temp.resolve("user"), args);
    }

    /** The shared small Llama (vocabulary 256) with a character-level {@code tokenizer.json}. */
    private Path model() throws IOException {
        Path shared = Path.of(System.getProperty("evomerge.shared"), "mergekit-cases", "models", "f32", "ft1");
        Assumptions.assumeTrue(Files.isDirectory(shared), "shared reference models not present");
        Path model = Files.createDirectories(temp.resolve("model"));
        try (Stream<Path> files = Files.list(shared)) {
            for (Path file : files.toList()) {
                Files.copy(file, model.resolve(file.getFileName()));
            }
        }
        writeCharacterTokenizer(model);
        return model;
    }

    /**
     * Writes a character-level {@code tokenizer.json} (vocabulary: three specials, then ASCII 32-126) and a
     * {@code tokenizer_config.json} with a chat template into {@code model}.
     */
    static void writeCharacterTokenizer(Path model) throws IOException {
        ObjectNode vocab = JSON.createObjectNode();
        ArrayNode added = JSON.createArrayNode();
        List<String> specials = List.of("<unk>", "<s>", "</s>");
        for (String special : specials) {
            added.addObject().put("id", vocab.size()).put("content", special).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
            vocab.put(special, vocab.size());
        }
        for (char c = 32; c < 127; c++) {
            vocab.put(String.valueOf(c), vocab.size());
        }
        ObjectNode tokenizer = JSON.createObjectNode().put("version", "1.0").putNull("truncation").putNull("padding");
        tokenizer.set("added_tokens", added);
        tokenizer.putNull("normalizer").putNull("pre_tokenizer");
        ObjectNode post = tokenizer.putObject("post_processor").put("type", "TemplateProcessing");
        post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        post.putArray("pair").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        ((ArrayNode) post.get("pair")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ((ArrayNode) post.get("pair")).addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>").put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
        tokenizer.putObject("decoder").put("type", "Fuse");
        ObjectNode bpe = tokenizer.putObject("model").put("type", "BPE").putNull("dropout").put("unk_token", "<unk>")
                .putNull("continuing_subword_prefix").putNull("end_of_word_suffix").put("fuse_unk", false)
                .put("byte_fallback", false).put("ignore_merges", false);
        bpe.set("vocab", vocab);
        bpe.putArray("merges");
        Files.writeString(model.resolve("tokenizer.json"), JSON.writeValueAsString(tokenizer));
        Files.writeString(model.resolve("tokenizer_config.json"), """
                {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                 "unk_token": "<unk>", "add_bos_token": true,
                 "chat_template": "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}"}
                """);
    }

    /** A task folder as lm-eval users keep one: task files, an include, a group, a tag, data in JSONL and CSV. */
    private Path tasks() throws IOException {
        Path tasks = Files.createDirectories(temp.resolve("tasks/data"));
        String arc = """
                {"id": "q1", "question": "Which is hot?", "choices": {"text": ["ice", "fire", "snow"], "label": ["A", "B", "C"]}, "answerKey": "B"}
                {"id": "q2", "question": "What is 2+2?", "choices": {"text": ["4", "five", "22"], "label": ["A", "B", "C"]}, "answerKey": "A"}
                {"id": "q3", "question": "Sky colour?", "choices": {"text": ["green", "red", "blue"], "label": ["A", "B", "C"]}, "answerKey": "C"}
                {"id": "q4", "question": "Cats say?", "choices": {"text": ["meow", "moo"], "label": ["A", "B"]}, "answerKey": "A"}
                """;
        Files.writeString(tasks.resolve("arc_test.jsonl"), arc);
        Files.writeString(tasks.resolve("arc_train.jsonl"), arc);
        Files.writeString(tasks.resolve("math.csv"), """
                question,answer
                "What is 1+1?","#### 2"
                "What is 2+3?","#### 5"
                "What is 3+3?","#### 6"
                """);
        Files.writeString(tasks.resolve("wiki.jsonl"), """
                {"page": "The cat sat on the mat. It was a sunny day."}
                {"page": "Evolution merges models by searching weights."}
                """);
        Path folder = tasks.getParent();
        Files.writeString(folder.resolve("arc_tiny.yaml"), """
                tag:
                  - tiny_tag
                task: arc_tiny
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    train: data/arc_train.jsonl
                    test: data/arc_test.jsonl
                output_type: multiple_choice
                training_split: train
                test_split: test
                doc_to_text: "Question: {{question}}\\nAnswer:"
                doc_to_target: "{{choices.label.index(answerKey)}}"
                doc_to_choice: "{{choices.text}}"
                metric_list:
                  - metric: acc
                    aggregation: mean
                    higher_is_better: true
                  - metric: acc_norm
                    aggregation: mean
                    higher_is_better: true
                metadata:
                  version: 1.0
                """);
        Files.writeString(folder.resolve("arc_tiny_fewshot.yaml"), """
                include: arc_tiny.yaml
                task: arc_tiny_fewshot
                num_fewshot: 2
                fewshot_split: train
                fewshot_config:
                  sampler: first_n
                description: "Answer the questions.\\n\\n"
                """);
        Files.writeString(folder.resolve("math_gen.yaml"), """
                task: math_gen
                dataset_path: csv
                dataset_kwargs:
                  data_files:
                    test: data/math.csv
                output_type: generate_until
                test_split: test
                doc_to_text: "Question: {{question}}\\nAnswer:"
                doc_to_target: "{{answer.split('####')[-1].strip()}}"
                generation_kwargs:
                  until: ["\\n\\n", "Question:"]
                  do_sample: false
                  max_gen_toks: 8
                metric_list:
                  - metric: exact_match
                    ignore_case: true
                    regexes_to_ignore: [",", "\\\\$"]
                filter_list:
                  - name: strict-match
                    filter:
                      - function: regex
                        regex_pattern: "#### (\\\\-?[0-9\\\\.\\\\,]+)"
                      - function: take_first
                  - name: flexible-extract
                    filter:
                      - function: regex
                        group_select: -1
                        regex_pattern: "(-?[$0-9.,]{2,})|(-?[0-9]+)"
                      - function: take_first
                """);
        Files.writeString(folder.resolve("wiki_ppl.yaml"), """
                task: wiki_ppl
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    test: data/wiki.jsonl
                output_type: loglikelihood_rolling
                test_split: test
                doc_to_text: ""
                doc_to_target: "{{page}}"
                metric_list:
                  - metric: word_perplexity
                  - metric: byte_perplexity
                  - metric: bits_per_byte
                """);
        Files.writeString(folder.resolve("tiny_suite.yaml"), """
                group: tiny_suite
                task:
                  - arc_tiny
                  - math_gen
                aggregate_metric_list:
                  - metric: acc
                    weight_by_size: true
                """);
        return folder;
    }

    private static List<JsonNode> samples(Path folder, String task) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            Path file = files.filter(f -> f.getFileName().toString().startsWith("samples_" + task + "_")).findFirst()
                    .orElseThrow(() -> new AssertionError("no samples file for " + task + " in " + folder));
            List<JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                lines.add(JSON.readTree(line));
            }
            return lines;
        }
    }

    /** lm-eval's mean_stderr: the sample standard deviation over the square root of n. */
    private static double meanStderr(List<Double> values) {
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double squares = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        return Math.sqrt(squares / (values.size() - 1)) / Math.sqrt(values.size());
    }

    @Test
    void namesFromTheSearchPathRunWithLmEvalKeysStandardErrorsAndLoggedSamples() throws IOException {
        Path model = model();
        Path folder = tasks();
        Processes.Result result = evomerge("eval", "--model", model.toString(), "--task", "tiny_suite",
                "--task", "arc_tiny_fewshot", "--task", folder.resolve("wiki_ppl.yaml").toString(),
                "--task-search-path", folder.toString(), "--json", "--log-samples", "samples");
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.err().contains("evomerge: notice: lm-eval group 'tiny_suite': its aggregate_metric_list is"
                + " not computed"), result.err());
        JsonNode tasks = JSON.readTree(result.out()).get("tasks");
        assertEquals(List.of("arc_tiny", "math_gen", "arc_tiny_fewshot", "wiki_ppl"), fieldNames(tasks));
        assertEquals(List.of("acc,none", "acc_stderr,none", "acc_norm,none", "acc_norm_stderr,none", "score"),
                fieldNames(tasks.get("arc_tiny")));
        assertEquals(List.of("exact_match,strict-match", "exact_match_stderr,strict-match",
                "exact_match,flexible-extract", "exact_match_stderr,flexible-extract", "score"),
                fieldNames(tasks.get("math_gen")));
        // lm-eval reports no standard error for the perplexities (their aggregation is not a mean)
        assertEquals(List.of("word_perplexity,none", "byte_perplexity,none", "bits_per_byte,none", "score"),
                fieldNames(tasks.get("wiki_ppl")));

        Path logged = temp.resolve("samples");
        for (String task : List.of("arc_tiny", "arc_tiny_fewshot")) {
            // acc from the logged per-choice log-likelihoods: the target is the choice with the highest one
            List<JsonNode> docs = samples(logged, task);
            assertEquals(4, docs.size());
            List<Double> correct = new ArrayList<>();
            for (JsonNode doc : docs) {
                List<Double> loglikelihoods = new ArrayList<>();
                Pattern first = Pattern.compile("\\((-?[0-9.eE+-]+), (True|False)\\)");
                for (JsonNode resp : doc.get("resps")) {
                    Matcher m = first.matcher(resp.get(0).asText());
                    assertTrue(m.matches(), resp.toString());
                    loglikelihoods.add(Double.parseDouble(m.group(1)));
                }
                int best = 0;
                for (int i = 1; i < loglikelihoods.size(); i++) {
                    if (loglikelihoods.get(i) > loglikelihoods.get(best)) {
                        best = i;
                    }
                }
                correct.add(best == doc.get("target").asInt() ? 1.0 : 0.0);
                assertEquals(correct.getLast(), doc.get("acc").asDouble(), doc.toString());
            }
            double acc = correct.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertEquals(acc, tasks.get(task).get("acc,none").asDouble(), 1e-12, task);
            assertEquals(meanStderr(correct), tasks.get(task).get("acc_stderr,none").asDouble(), 1e-12, task);
        }
        // the few-shot prompt: the description, then the first two training documents, as first_n samples them
        String prompt = samples(logged, "arc_tiny_fewshot").get(2).get("arguments").get("gen_args_0").get("arg_0")
                .asText();
        assertEquals("Answer the questions.\n\nQuestion: Which is hot?\nAnswer: fire\n\nQuestion: What is 2+2?\n"
                + "Answer: 4\n\nQuestion: Sky colour?\nAnswer:", prompt);
        // one line per document and filter, as lm-eval logs them
        List<JsonNode> generated = samples(logged, "math_gen");
        assertEquals(6, generated.size());
        assertEquals(3, generated.stream().filter(d -> d.get("filter").asText().equals("strict-match")).count());
        assertEquals("2", generated.getFirst().get("target").asText());
        assertEquals("Question: What is 1+1?\nAnswer:", generated.getFirst().get("arguments").get("gen_args_0")
                .get("arg_0").asText());
    }

    @Test
    void theConfigurationKeyFindsATagAndBadTasksAreOneLine() throws IOException {
        Path model = model();
        Path folder = tasks();
        Files.createDirectories(temp.resolve("user/.config/evomerge"));
        Files.writeString(temp.resolve("user/.config/evomerge/config.yaml"), "evaluation:\n  task-search-path: "
                + folder + "\n");
        Processes.Result tag = evomerge("eval", "--model", model.toString(), "--task", "tiny_tag", "--json");
        assertEquals(0, tag.exitCode(), tag.toString());
        // the tag is inherited through include:, as in lm-eval
        assertEquals(List.of("arc_tiny", "arc_tiny_fewshot"), fieldNames(JSON.readTree(tag.out()).get("tasks")));

        // lm-eval's --apply_chat_template: the model's own chat_template renders the prompt
        Processes.Result chat = evomerge("eval", "--model", model.toString(), "--task", "arc_tiny", "--param",
                "apply_chat_template=true", "--log-samples", "chat");
        assertEquals(0, chat.exitCode(), chat.toString());
        assertEquals("<s>user: Question: Which is hot?\nAnswer:\nassistant:", samples(temp.resolve("chat"), "arc_tiny")
                .getFirst().get("arguments").get("gen_args_0").get("arg_0").asText());

        Processes.Result unknown = evomerge("eval", "--model", model.toString(), "--task", "arc_easy");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertEquals("evomerge: error: --task arc_easy: no such task file, nor an lm-eval task name: no task, group or"
                + " tag of that name in " + folder + " (to run evaluator 'arc_easy' on a dataset, add --data"
                + " F.jsonl)", unknown.err().strip());

        Path python = Files.writeString(temp.resolve("python.yaml"), """
                task: python_docs
                dataset_path: json
                dataset_kwargs:
                  data_files: tasks/data/wiki.jsonl
                output_type: loglikelihood_rolling
                process_docs: !function utils.process_docs
                doc_to_target: "{{page}}"
                """);
        Processes.Result refused = evomerge("eval", "--model", model.toString(), "--task", python.toString());
        assertEquals(2, refused.exitCode(), refused.toString());
        assertEquals("evomerge: error: " + python + ":6: task 'python_docs': 'process_docs' is !function"
                + " utils.process_docs, Python code (" + temp.resolve("utils.py") + ") that evomerge cannot run;"
                + " write it as a Jinja template or a field name, or prepare the dataset with it beforehand",
                refused.err().strip());

        Path missing = Files.writeString(temp.resolve("missing.yaml"), """
                task: arc_hub
                dataset_path: allenai/ai2_arc
                dataset_name: ARC-Easy
                output_type: multiple_choice
                test_split: test
                doc_to_text: "{{question}}"
                doc_to_target: 0
                doc_to_choice: "{{choices.text}}"
                """);
        Processes.Result absent = evomerge("eval", "--model", model.toString(), "--task", missing.toString());
        assertEquals(3, absent.exitCode(), absent.toString());
        assertTrue(absent.err().startsWith("evomerge: error: lm-eval task 'arc_hub': dataset allenai/ai2_arc"
                + " (ARC-Easy) is not on disk; tried "), absent.err());
        assertEquals(1, absent.err().strip().lines().count(), absent.err());
        assertFalse(absent.err().contains("Exception"), absent.err());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
