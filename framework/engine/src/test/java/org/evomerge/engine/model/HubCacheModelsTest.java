package org.evomerge.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code org/name[@revision]} in a hub cache laid out as huggingface_hub lays it out ({@code refs/main}, a tag, a
 * branch under {@code refs/pr/}, snapshots by commit), found as {@code try_to_load_from_cache} finds it.
 */
class HubCacheModelsTest {

    private static final String MAIN = "1111111111111111111111111111111111111111";
    private static final String TAGGED = "2222222222222222222222222222222222222222";

    @TempDir
    Path temp;

    private Path repository;

    @BeforeEach
    void setUp() throws IOException {
        repository = temp.resolve("hf/hub/models--org--tiny-llama");
        Files.createDirectories(repository.resolve("refs/pr"));
        Files.writeString(repository.resolve("refs/main"), MAIN); // written without a newline, as the hub does
        Files.writeString(repository.resolve("refs/v1.0"), TAGGED + "\n");
        Files.writeString(repository.resolve("refs/pr/1"), TAGGED);
        Files.createDirectories(repository.resolve("snapshots").resolve(MAIN));
        Files.createDirectories(repository.resolve("snapshots").resolve(TAGGED));
    }

    private HubCacheModels viaHfHome() {
        return HubCacheModels.of(Map.of("HF_HOME", temp.resolve("hf").toString()), temp.resolve("home"));
    }

    @Test
    void mainATagABranchAndAFullHashResolveToTheirSnapshots() {
        HubCacheModels cache = viaHfHome();
        assertEquals(Optional.of(repository.resolve("snapshots").resolve(MAIN)),
                cache.resolve("org/tiny-llama", "recipe.yml"));
        assertEquals(Optional.of(repository.resolve("snapshots").resolve(TAGGED)),
                cache.resolve("org/tiny-llama@v1.0", "recipe.yml"));
        assertEquals(Optional.of(repository.resolve("snapshots").resolve(TAGGED)),
                cache.resolve("org/tiny-llama@pr/1", "recipe.yml"));
        assertEquals(Optional.of(repository.resolve("snapshots").resolve(MAIN)),
                cache.resolve("org/tiny-llama@" + MAIN, "recipe.yml"));
    }

    @Test
    void theCacheFolderFollowsHuggingfaceHubsVariables() {
        Path home = temp.resolve("home");
        assertEquals(Path.of("/c/hub"), HubCacheModels.of(Map.of("HF_HUB_CACHE", "/c/hub", "HF_HOME", "/h"), home)
                .cache());
        assertEquals(Path.of("/old"), HubCacheModels.of(Map.of("HUGGINGFACE_HUB_CACHE", "/old", "HF_HOME", "/h"),
                home).cache());
        assertEquals(Path.of("/h/hub"), HubCacheModels.of(Map.of("HF_HOME", "/h"), home).cache());
        assertEquals(Path.of("/x/huggingface/hub"), HubCacheModels.of(Map.of("XDG_CACHE_HOME", "/x"), home).cache());
        assertEquals(home.resolve(".cache/huggingface/hub"), HubCacheModels.of(Map.of(), home).cache());
    }

    @Test
    void whatIsNotAHubIdIsLeftToTheCaller() {
        assertEquals(Optional.empty(), viaHfHome().resolve("./models/a", "x"));
        assertEquals(Optional.empty(), viaHfHome().resolve("/abs/model", "x"));
        assertEquals(Optional.empty(), viaHfHome().resolve("a/b/c", "x"));
        assertFalse(HubCacheModels.isHubReference("org--x/name"));
        assertTrue(HubCacheModels.isHubReference("meta-llama/Llama-3.2-1B@main"));
    }

    @Test
    void aMissingModelIsOneLineNamingWhereItLookedAndThatNothingIsDownloaded() {
        HubCacheModels cache = viaHfHome();
        EvomergeException missingRepo = assertThrows(EvomergeException.class,
                () -> cache.resolve("org/other", "run.yml:2:5: 'models[0]'", List.of(Path.of("/w/org/other"))));
        assertEquals("run.yml:2:5: 'models[0]': model 'org/other' is not /w/org/other and not in the Hugging Face hub"
                + " cache (no " + temp.resolve("hf/hub/models--org--other") + "); evomerge reads models offline and"
                + " downloads nothing: fetch it first (huggingface-cli download org/other), or set HF_HUB_CACHE or"
                + " HF_HOME to the cache that holds it", missingRepo.getMessage());
        EvomergeException missingRevision = assertThrows(EvomergeException.class,
                () -> cache.resolve("org/tiny-llama@v2", "recipe.yml"));
        assertTrue(missingRevision.getMessage().contains("no refs/v2 and no snapshots/v2 in " + repository),
                missingRevision.getMessage());
        // huggingface_hub matches a commit only in full
        EvomergeException prefix = assertThrows(EvomergeException.class,
                () -> cache.resolve("org/tiny-llama@1111111", "recipe.yml"));
        assertTrue(prefix.getMessage().contains("no refs/1111111 and no snapshots/1111111"), prefix.getMessage());
        // a revision that climbs out of the repository is no Hub id
        assertEquals(Optional.empty(), cache.resolve("org/tiny-llama@../../x", "recipe.yml"));
    }
}
