package org.evomerge.engine.evaluation.lmeval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task, group and tag names resolved as lm-evaluation-harness's TaskManager resolves them, over a task folder laid
 * out as lm-eval's own: {@code arc_challenge} includes {@code arc_easy}, both tagged {@code ai2_arc}; a group with
 * settings for its members, a member override and an inline task; a shared include file without an extension.
 */
class LmEvalTasksTest {

    @TempDir
    Path temp;
    Path tasks;

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    @BeforeEach
    void taskFolder() throws IOException {
        tasks = temp.resolve("tasks");
        write(tasks.resolve("arc/arc_easy.yaml"), """
                tag:
                  - ai2_arc
                task: arc_easy
                dataset_path: allenai/ai2_arc
                dataset_name: ARC-Easy
                output_type: multiple_choice
                test_split: test
                doc_to_text: "Question: {{question}}\\nAnswer:"
                doc_to_target: "{{choices.label.index(answerKey)}}"
                doc_to_choice: "{{choices.text}}"
                """);
        write(tasks.resolve("arc/arc_challenge.yaml"), """
                include: arc_easy.yaml
                task: arc_challenge
                dataset_name: ARC-Challenge
                """);
        write(tasks.resolve("mix/_default_template_yaml"), """
                output_type: loglikelihood
                dataset_path: json
                doc_to_text: "{{text}}"
                doc_to_target: "{{target}}"
                """);
        write(tasks.resolve("mix/mix_one.yaml"), """
                include: _default_template_yaml
                task: mix_one
                num_fewshot: 1
                """);
        write(tasks.resolve("mix/mix.yaml"), """
                group: mix
                task:
                  - mix_one
                  - task: arc_easy
                    num_fewshot: 0
                  - task: inline_one
                    dataset_path: json
                    output_type: loglikelihood
                  - ai2_arc
                num_fewshot: 3
                aggregate_metric_list:
                  - metric: acc
                    weight_by_size: true
                """);
        write(tasks.resolve("py/python_task.yaml"), "task: squad_completion\nclass: !function task.SQuADCompletion\n");
        write(tasks.resolve("broken/broken.yaml"), "task: [unclosed\n");
        write(tasks.resolve("wiki/wikitext.yaml"), """
                task: wikitext
                output_type: loglikelihood_rolling
                doc_to_text: ""
                doc_to_target: !function preprocess_wikitext.wikitext_detokenizer
                """);
    }

    LmEvalTasks lmEval() {
        return new LmEvalTasks(List.of(tasks));
    }

    @Test
    void aTaskIncludesItsParentAndDropsItsTags() {
        LmEvalTasks.Resolution r = lmEval().resolveName("arc_challenge").orElseThrow();
        assertEquals(1, r.tasks().size());
        LmEvalTask task = r.tasks().getFirst();
        assertEquals("arc_challenge", task.name());
        assertEquals("ARC-Challenge", task.config().get("dataset_name"));
        assertEquals("allenai/ai2_arc", task.config().get("dataset_path"), "from the included file");
        assertFalse(task.config().containsKey("tag"));
        assertFalse(task.config().containsKey("include"));
        assertEquals(tasks.resolve("arc/arc_challenge.yaml"), task.file());
    }

    @Test
    void aTagListsItsTasksInNameOrder() {
        LmEvalTasks.Resolution r = lmEval().resolveName("ai2_arc").orElseThrow();
        assertEquals(List.of("arc_challenge", "arc_easy"), r.tasks().stream().map(LmEvalTask::name).toList());
    }

    @Test
    void aGroupAppliesItsSettingsToItsMembersAndOverridesWin() {
        LmEvalTasks.Resolution r = lmEval().resolveName("mix").orElseThrow();
        assertEquals(List.of("mix_one", "arc_easy", "mix::inline_one", "arc_challenge", "arc_easy"),
                r.tasks().stream().map(LmEvalTask::name).toList());
        Map<String, Object> mixOne = r.tasks().get(0).config();
        assertEquals(3, mixOne.get("num_fewshot"), "the group's num_fewshot overrides the file's");
        assertEquals("loglikelihood", mixOne.get("output_type"), "from the extension-less include");
        assertEquals(0, r.tasks().get(1).config().get("num_fewshot"), "the member's own override wins");
        Map<String, Object> inline = r.tasks().get(2).config();
        assertEquals("mix::inline_one", inline.get("task"));
        assertEquals("json", inline.get("dataset_path"));
        assertEquals(tasks.resolve("mix/mix.yaml"), r.tasks().get(2).file());
        assertEquals(3, r.tasks().get(3).config().get("num_fewshot"));
        assertFalse(mixOne.containsKey("aggregate_metric_list"), "group fields stay with the group");
        assertEquals(1, r.groups().size());
        assertEquals("mix", r.groups().getFirst().name());
        assertEquals("acc", r.groups().getFirst().aggregateMetrics().getFirst().get("metric"));
    }

    @Test
    void aFileIsResolvedWithoutTheSearchPathWhenItNeedsNoNames() {
        LmEvalTasks none = new LmEvalTasks(List.of());
        LmEvalTasks.Resolution r = none.resolveFile(tasks.resolve("arc/arc_challenge.yaml"));
        assertEquals("arc_challenge", r.tasks().getFirst().name());
        EvomergeException e = assertThrows(EvomergeException.class, () -> none.resolveFile(
                tasks.resolve("mix/mix.yaml")));
        assertTrue(e.getMessage().contains("group 'mix' names 'mix_one', which is no task, group or tag"),
                e.getMessage());
        assertTrue(e.getMessage().contains("no task search path is set"), e.getMessage());
    }

    @Test
    void unknownNamesSuggestTheClosestAndCountUnusableFiles() {
        LmEvalTasks lmEval = lmEval();
        assertTrue(lmEval.resolveName("arc_esay").isEmpty());
        String why = lmEval.unknownName("arc_esay");
        assertTrue(why.contains("did you mean 'arc_easy'"), why);
        assertTrue(why.contains("YAML files there could not be used"), why);
        assertTrue(why.contains(tasks.toString()), why);
    }

    @Test
    void aLaterSearchFolderReplacesAnEarlierOnesNames() throws IOException {
        Path mine = temp.resolve("mine");
        write(mine.resolve("arc_easy.yaml"), "task: arc_easy\ndataset_path: json\noutput_type: multiple_choice\n");
        LmEvalTask task = new LmEvalTasks(List.of(tasks, mine)).resolveName("arc_easy").orElseThrow().tasks()
                .getFirst();
        assertEquals("json", task.config().get("dataset_path"));
    }

    @Test
    void pythonFunctionsAreKeptWithTheirPlaceAndPythonClassesRefused() {
        LmEvalTask wikitext = lmEval().resolveName("wikitext").orElseThrow().tasks().getFirst();
        PythonFunction f = wikitext.pythonFunctions().get("doc_to_target");
        assertEquals("preprocess_wikitext.wikitext_detokenizer", f.reference());
        assertEquals(4, f.line());
        assertEquals(tasks.resolve("wiki/preprocess_wikitext.py"), f.module());
        EvomergeException e = assertThrows(EvomergeException.class, () -> lmEval().resolveName("squad_completion"));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains("Python class"), e.getMessage());
    }

    @Test
    void includeCyclesAndMissingIncludesAreErrorsNamingTheFile() throws IOException {
        Path a = write(temp.resolve("cycle/a.yaml"), "include: b.yaml\ntask: a\n");
        write(temp.resolve("cycle/b.yaml"), "include: a.yaml\n");
        EvomergeException cycle = assertThrows(EvomergeException.class,
                () -> new LmEvalTasks(List.of()).resolveFile(a));
        assertTrue(cycle.getMessage().contains("cycle"), cycle.getMessage());
        Path c = write(temp.resolve("missing/c.yaml"), "include: nowhere.yaml\ntask: c\n");
        EvomergeException missing = assertThrows(EvomergeException.class,
                () -> new LmEvalTasks(List.of()).resolveFile(c));
        assertTrue(missing.getMessage().startsWith(c + ": 'include': no such file"), missing.getMessage());
    }

    @Test
    void aSearchFolderThatDoesNotExistIsAConfigurationError() {
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> new LmEvalTasks(List.of(temp.resolve("nowhere"))).resolveName("x"));
        assertTrue(e.getMessage().contains("nowhere is not a folder"), e.getMessage());
    }
}
