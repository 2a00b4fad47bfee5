package org.evomerge.engine.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.evaluation.lmeval.LmEvalTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code --task X} and a run file's {@code task:} mean: evomerge's task files, lm-eval's, lm-eval names. */
class TaskReferencesTest {

    @TempDir
    Path temp;

    @Test
    void evomergeTaskFilesAreReadAsBefore() throws Exception {
        Files.writeString(temp.resolve("ppl.yml"), "evaluator: perplexity\ndata: d.jsonl\n");
        List<TaskDefinition> tasks = TaskReferences.resolve("ppl.yml", temp, new LmEvalTasks(List.of()))
                .orElseThrow();
        assertEquals("perplexity", tasks.getFirst().evaluatorId());
        assertEquals("ppl", tasks.getFirst().name());
    }

    @Test
    void anLmEvalTaskFileBecomesAnLmEvalTaskWithItsResolvedConfiguration() throws Exception {
        Files.writeString(temp.resolve("base.yaml"), "output_type: multiple_choice\ndataset_path: json\n");
        Path file = Files.writeString(temp.resolve("my_task.yaml"), """
                include: base.yaml
                task: my_task
                doc_to_text: "{{question}}"
                """);
        List<TaskDefinition> tasks = TaskReferences.resolve("my_task.yaml", temp, new LmEvalTasks(List.of()))
                .orElseThrow();
        TaskDefinition task = tasks.getFirst();
        assertEquals("my_task", task.name());
        assertEquals(TaskReferences.LM_EVAL, task.evaluatorId());
        assertEquals(file.toString(), task.parameters().get(TaskReferences.TASK_FILE));
        JsonNode config = new ObjectMapper().readTree(task.parameters().get(TaskReferences.CONFIG).toString());
        assertEquals("multiple_choice", config.get("output_type").asText());
        assertEquals("{{question}}", config.get("doc_to_text").asText());
        assertEquals(temp, task.baseDirectory());
    }

    @Test
    void aNameIsLookedUpInTheSearchPathAndAnUnknownOneIsEmpty() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("tasks"));
        Files.writeString(folder.resolve("t.yaml"), "task: named_task\noutput_type: loglikelihood\n");
        LmEvalTasks lmEval = new LmEvalTasks(List.of(folder));
        assertEquals("named_task", TaskReferences.resolve("named_task", temp, lmEval).orElseThrow().getFirst().name());
        assertTrue(TaskReferences.resolve("other_task", temp, lmEval).isEmpty());
    }

    @Test
    void pythonCodeIsRefusedNamingTheFileLineKeyAndModule() throws Exception {
        Path file = Files.writeString(temp.resolve("hellaswag.yaml"), """
                task: hellaswag
                output_type: multiple_choice
                process_docs: !function utils.process_docs
                """);
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> TaskReferences.resolve("hellaswag.yaml", temp, new LmEvalTasks(List.of())));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals(file + ":3: task 'hellaswag': 'process_docs' is !function utils.process_docs, Python code ("
                + temp.resolve("utils.py") + ") that evomerge cannot run; write it as a Jinja template or a field name,"
                + " or prepare the dataset with it beforehand", e.getMessage());
    }
}
