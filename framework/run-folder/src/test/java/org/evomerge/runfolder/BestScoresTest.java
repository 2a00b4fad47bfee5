package org.evomerge.runfolder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BestScoresTest {

    @TempDir
    Path run;

    @Test
    void writtenScoresReadBackItemForItem() {
        BestScores scores = new BestScores("g3-1", List.of(
                new BestScores.TaskScores("arithmetic-test", 0.5, List.of(1.0, 0.0, 1.0, 0.0)),
                new BestScores.TaskScores("perplexity", -3.25, List.of())));
        scores.write(run);
        assertEquals(Optional.of(scores), BestScores.read(run));
    }

    @Test
    void aRunFolderWithoutTheFileHasNoScores() {
        assertEquals(Optional.empty(), BestScores.read(run));
    }

    @Test
    void aBadFileIsNamedWithTheFieldThatIsWrong() throws IOException {
        Files.writeString(run.resolve(BestScores.FILE),
                "{\"format\": 1, \"best_id\": \"g1-0\", \"tasks\": [{\"name\": \"t\", \"score\": 1, \"items\": [1, \"x\"]}]}");
        EvomergeException e = assertThrows(EvomergeException.class, () -> BestScores.read(run));
        assertTrue(e.getMessage().endsWith(BestScores.FILE + ": tasks[0].items[1] must be a number"), e.getMessage());
        Files.writeString(run.resolve(BestScores.FILE), "{\"format\": 2, \"tasks\": []}");
        e = assertThrows(EvomergeException.class, () -> BestScores.read(run));
        assertTrue(e.getMessage().contains("format 2 is not one this version reads"), e.getMessage());
        Files.writeString(run.resolve(BestScores.FILE), "{\"format\": 1, \"best_id\": \"g1-0\", ");
        e = assertThrows(EvomergeException.class, () -> BestScores.read(run));
        assertTrue(e.getMessage().contains(BestScores.FILE + ": not JSON"), e.getMessage());
    }
}
