package org.evomerge.plugins.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomerge.api.EvomergeException;

/**
 * {@code model.safetensors.index.json}: which shard holds each tensor. Shard names must be plain file names inside
 * the model folder (a name like {@code ../x} or {@code /etc/x} is refused) that exist.
 *
 * @param weightMap tensor name → shard file name
 */
record ShardIndex(Map<String, String> weightMap) {

    static final String FILE_NAME = "model.safetensors.index.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    static ShardIndex read(Path indexFile) {
        Path folder = indexFile.toAbsolutePath().getParent();
        JsonNode root;
        try {
            if (Files.size(indexFile) > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw EvomergeException.input(indexFile + ": index is larger than 100 MB", null);
            }
            root = JSON.readTree(indexFile.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw EvomergeException.input(indexFile + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw EvomergeException.input(indexFile + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("weight_map").isObject()) {
            throw EvomergeException.input(indexFile + ": has no \"weight_map\" object", null);
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("weight_map").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isTextual()) {
                throw EvomergeException.input(indexFile + ": weight_map entry '" + entry.getKey() + "' is not a file name",
                        null);
            }
            String shard = entry.getValue().asText();
            Path resolved = folder.resolve(shard).normalize();
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..")
                    || shard.equals(".") || !resolved.getParent().equals(folder.normalize())) {
                throw EvomergeException.input(indexFile + ": weight_map entry '" + entry.getKey() + "' points to '" + shard
                        + "', outside the model folder", null);
            }
            if (!Files.isRegularFile(resolved)) {
                throw EvomergeException.input(indexFile + ": weight_map entry '" + entry.getKey() + "' names shard '"
                        + shard + "', which is missing", null);
            }
            weightMap.put(entry.getKey(), shard);
        }
        return new ShardIndex(Map.copyOf(weightMap));
    }
}
