package org.evomerge.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.Map;
import org.evomerge.api.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** The trained model's configuration says its tensors are float32, under the dtype key the source config used. */
class TrainedModelConfigTest {

    private static Map<String, Object> raw(Map<String, Object> source) {
        return TrainableLlama.float32(ModelConfig.of(source)).raw();
    }

    @Test
    void theDtypeKeyOfCurrentTransformersIsUpdated() {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("model_type", "llama");
        source.put("dtype", "bfloat16");
        Map<String, Object> raw = raw(source);
        assertEquals("float32", raw.get("dtype"));
        assertFalse(raw.containsKey("torch_dtype"));
    }

    @Test
    void theOlderTorchDtypeKeyIsUpdated() {
        Map<String, Object> raw = raw(Map.of("torch_dtype", "float16"));
        assertEquals("float32", raw.get("torch_dtype"));
        assertFalse(raw.containsKey("dtype"));
    }
}
