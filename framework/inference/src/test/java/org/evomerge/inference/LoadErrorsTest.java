package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.Shape;
import org.junit.jupiter.api.Test;

/** Models the engine cannot run fail at load time with one INPUT error naming the field or tensor. */
class LoadErrorsTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(1, m -> Optional.empty());

    private static EvomergeException loadFails(TinyModel model) {
        EvomergeException e = assertThrows(EvomergeException.class, () -> ENGINE.load(model.model()));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertTrue(e.getMessage().startsWith("in-memory model: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void unsupportedArchitectureIsNamed() {
        TinyModel model = TinyModel.of(new TinyModel.Spec("GPT2LMHeadModel", 1, 64, 96, 4, 4, 10, 10000, null, null,
                false, false, 16), DType.F32, 1);
        assertTrue(loadFails(model).getMessage().contains("'GPT2LMHeadModel'"));
    }

    @Test
    void unsupportedDtypeNamesTheTensor() {
        TinyModel model = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        String name = "model.layers.1.mlp.up_proj.weight";
        model.put(name, DType.I8, Shape.of(96, 64), MemorySegment.ofArray(new byte[96 * 64]), null);
        String message = loadFails(model).getMessage();
        assertTrue(message.contains(name), message);
    }

    @Test
    void unsupportedFloatDtypeOfTheRightSizeIsStillRefused() {
        TinyModel model = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        String name = "model.layers.0.self_attn.q_proj.weight";
        model.put(name, DType.F8_E4M3, Shape.of(64, 64), MemorySegment.ofArray(new byte[64 * 64]), null);
        String message = loadFails(model).getMessage();
        assertTrue(message.contains(name) && message.contains("F8_E4M3"), message);
    }

    @Test
    void missingTensorAndWrongShapeAreNamed() {
        TinyModel missing = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        missing.remove("model.norm.weight");
        assertTrue(loadFails(missing).getMessage().contains("'model.norm.weight' is missing"));

        TinyModel wrong = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        wrong.put("model.layers.0.self_attn.k_proj.weight", DType.F32, Shape.of(32, 64),
                MemorySegment.ofArray(new float[32 * 64]), null);
        assertTrue(loadFails(wrong).getMessage().contains("'model.layers.0.self_attn.k_proj.weight' has shape"));
    }

    @Test
    void unsupportedRopeScalingIsNamed() {
        Map<String, Object> yarn = new LinkedHashMap<>();
        yarn.put("rope_type", "yarn");
        yarn.put("factor", 4.0);
        TinyModel.Spec base = TinyModel.llama2();
        TinyModel model = TinyModel.of(new TinyModel.Spec(base.architecture(), base.layers(), base.hidden(),
                base.intermediate(), base.heads(), base.kvHeads(), base.vocab(), base.ropeTheta(), yarn, null, false,
                false, 64), DType.F32, 1);
        assertTrue(loadFails(model).getMessage().contains("rope_scaling.rope_type 'yarn'"));
    }

    @Test
    void missingHyperparameterIsNamed() {
        TinyModel model = TinyModel.of(TinyModel.llama2(), DType.F32, 1);
        Map<String, Object> raw = new LinkedHashMap<>(model.config.raw());
        raw.remove("hidden_size");
        ModelConfig broken = model.config.withRaw(raw);
        InMemoryModel wrapped = model.model().withConfig(broken);
        EvomergeException e = assertThrows(EvomergeException.class, () -> ENGINE.load(wrapped));
        assertTrue(e.getMessage().contains("'hidden_size'"), e.getMessage());
    }
}
