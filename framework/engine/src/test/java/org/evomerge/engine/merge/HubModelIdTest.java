package org.evomerge.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which local models name a Hub repository, for the card's base_model list. */
class HubModelIdTest {

    @TempDir
    Path temp;

    @Test
    void aHubCacheSnapshotNamesItsRepository() throws IOException {
        Path snapshot = Files.createDirectories(temp.resolve(
                "hub/models--meta-llama--Llama-3.2-1B/snapshots/4e20de362430cd3b72f300e6b0f18e50e7166e08"));
        assertEquals(Optional.of("meta-llama/Llama-3.2-1B"), HubModelId.of(snapshot, Map.of()));
        // a single-file model inside the snapshot, and a legacy id without an organisation
        Path gguf = Files.writeString(snapshot.resolve("model.gguf"), "");
        assertEquals(Optional.of("meta-llama/Llama-3.2-1B"), HubModelId.of(gguf, Map.of()));
        Path legacy = Files.createDirectories(temp.resolve("hub/models--gpt2/snapshots/abc"));
        assertEquals(Optional.of("gpt2"), HubModelId.of(legacy, Map.of()));
    }

    @Test
    void nameOrPathCountsOnlyWhenItLooksLikeAnId() {
        Path folder = temp.resolve("models/ft1");
        assertEquals(Optional.of("Qwen/Qwen2.5-0.5B-Instruct"),
                HubModelId.of(folder, Map.of("_name_or_path", "Qwen/Qwen2.5-0.5B-Instruct")));
        for (String path : new String[] {"../../models/f32/base", "/home/me/checkpoints/run-3", "./out", "base",
                "~/models/x", "a/b/c", "org--x/name", "C:\\models\\base", ""}) {
            assertEquals(Optional.empty(), HubModelId.of(folder, Map.of("_name_or_path", path)), path);
        }
        assertEquals(Optional.empty(), HubModelId.of(folder, Map.of()));
    }
}
