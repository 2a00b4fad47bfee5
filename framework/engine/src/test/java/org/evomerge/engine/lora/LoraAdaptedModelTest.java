package org.evomerge.engine.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;
import org.evomerge.kernels.FloatCodecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A PEFT adapter applied as the model is read, against updates worked out by hand. */
class LoraAdaptedModelTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String Q = "model.layers.0.self_attn.q_proj";

    @TempDir
    Path temp;

    private static InMemoryTensor t(String name, long[] shape, float... values) {
        return InMemoryTensor.ofFloats(name, Shape.of(shape), values);
    }

    private static long[] s(long... dims) {
        return dims;
    }

    /** W = [[1,2,3],[4,5,6]], q's bias [1,1], an embedding [[1,1],[2,2],[3,3]] and a norm [1,1]. */
    static InMemoryModel base() {
        return InMemoryModel.of(ModelConfig.empty(), List.of(
                t("model.embed_tokens.weight", s(3, 2), 1, 1, 2, 2, 3, 3),
                t(Q + ".weight", s(2, 3), 1, 2, 3, 4, 5, 6),
                t(Q + ".bias", s(2), 1, 1),
                t("model.norm.weight", s(2), 1, 1)));
    }

    /** A = [[1,0,1],[0,1,0]] and B = [[1,2],[0,1]]: B A = [[1,2,1],[0,1,0]]. */
    private static List<InMemoryTensor> qFactors() {
        return List.of(
                t(LoraAdapter.PREFIX + Q + ".lora_A.weight", s(2, 3), 1, 0, 1, 0, 1, 0),
                t(LoraAdapter.PREFIX + Q + ".lora_B.weight", s(2, 2), 1, 2, 0, 1));
    }

    private LoraAdapter adapter(String config, List<InMemoryTensor> tensors) throws IOException {
        return LoraAdapter.of(temp, temp.resolve(LoraAdapter.WEIGHTS_FILE), JSON.readTree(config),
                InMemoryTensors.of(tensors), () -> { });
    }

    static float[] floats(Tensor tensor) {
        MemorySegment data = tensor.data();
        float[] values = new float[(int) tensor.info().shape().elementCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (tensor.info().dtype()) {
                case F32 -> data.get(F32, 4L * i);
                case F16 -> FloatCodecs.f16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i) & 0xFFFF);
                default -> throw new IllegalArgumentException(tensor.info().dtype().name());
            };
        }
        return values;
    }

    @Test
    void aLinearWeightReadsAsWPlusAlphaOverRTimesBA() throws IOException {
        try (Model model = LoraAdaptedModel.of(base(), adapter("{\"r\": 2, \"lora_alpha\": 4}", qFactors()))) {
            // alpha / r = 2: W + 2 [[1,2,1],[0,1,0]]
            assertArrayEquals(new float[] {3, 6, 5, 4, 7, 6}, floats(model.tensors().tensor(Q + ".weight")));
            assertArrayEquals(new float[] {1, 1, 2, 2, 3, 3},
                    floats(model.tensors().tensor("model.embed_tokens.weight")), "untouched");
        }
    }

    @Test
    void rsLoraScalesByAlphaOverTheSquareRootOfR() throws IOException {
        try (Model model = LoraAdaptedModel.of(base(), adapter("{\"r\": 2, \"lora_alpha\": 4, \"use_rslora\": true}",
                qFactors()))) {
            double scale = 4 / Math.sqrt(2);
            assertArrayEquals(new float[] {(float) (1 + scale), (float) (2 + 2 * scale), (float) (3 + scale),
                    4, (float) (5 + scale), 6}, floats(model.tensors().tensor(Q + ".weight")));
        }
    }

    @Test
    void embeddingsBiasesAndModulesToSaveAndPerModuleRanks() throws IOException {
        List<InMemoryTensor> tensors = new java.util.ArrayList<>(qFactors());
        // lora_embedding_A [r=1, vocab=3], lora_embedding_B [dim=2, r=1]: the update is (B A)^T = [[1,10],[2,20],[3,30]]
        tensors.add(t(LoraAdapter.PREFIX + "model.embed_tokens.lora_embedding_A", s(1, 3), 1, 2, 3));
        tensors.add(t(LoraAdapter.PREFIX + "model.embed_tokens.lora_embedding_B", s(2, 1), 1, 10));
        tensors.add(t(LoraAdapter.PREFIX + Q + ".lora_B.bias", s(2), 0.5f, -0.5f));
        tensors.add(t(LoraAdapter.PREFIX + "model.norm.weight", s(2), 7, 8));
        String config = "{\"r\": 2, \"lora_alpha\": 4, \"rank_pattern\": {\"embed_tokens\": 1},"
                + " \"alpha_pattern\": {\"embed_tokens\": 1}, \"modules_to_save\": [\"norm\"]}";
        try (Model model = LoraAdaptedModel.of(base(), adapter(config, tensors))) {
            assertArrayEquals(new float[] {2, 11, 4, 22, 6, 33},
                    floats(model.tensors().tensor("model.embed_tokens.weight")), "scale 1/1 from the patterns");
            assertArrayEquals(new float[] {2, 0}, floats(model.tensors().tensor(Q + ".bias")), "1 + 2 * (+-0.5)");
            assertArrayEquals(new float[] {7, 8}, floats(model.tensors().tensor("model.norm.weight")));
            assertArrayEquals(new float[] {3, 6, 5, 4, 7, 6}, floats(model.tensors().tensor(Q + ".weight")));
        }
    }

    @Test
    void aRangeReadComputesTheSameBytesAsTheWholeTensor() throws IOException {
        try (Model model = LoraAdaptedModel.of(base(), adapter("{\"r\": 2, \"lora_alpha\": 4}", qFactors()))) {
            Tensor q = model.tensors().tensor(Q + ".weight");
            MemorySegment part = Arena.ofAuto().allocate(3 * 4L);
            q.read(2 * 4L, part); // elements 2..4: across the row boundary
            assertEquals(5f, part.get(F32, 0));
            assertEquals(4f, part.get(F32, 4));
            assertEquals(7f, part.get(F32, 8));
        }
    }

    @Test
    void aHalfPrecisionWeightStaysHalfPrecisionRoundedOnce() throws IOException {
        MemorySegment half = Arena.ofAuto().allocate(6 * 2L);
        float[] w = {1, 2, 3, 4, 5, 6};
        for (int i = 0; i < w.length; i++) {
            half.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, FloatCodecs.floatToF16(w[i]));
        }
        InMemoryModel base = InMemoryModel.of(ModelConfig.empty(), List.of(new InMemoryTensor(
                new TensorInfo(Q + ".weight", DType.F16, Shape.of(2, 3), ""), half)));
        try (Model model = LoraAdaptedModel.of(base, adapter("{\"r\": 2, \"lora_alpha\": 0.2}", qFactors()))) {
            Tensor q = model.tensors().tensor(Q + ".weight");
            assertEquals(DType.F16, q.info().dtype());
            float[] expected = new float[6];
            float[] ba = {1, 2, 1, 0, 1, 0};
            for (int i = 0; i < 6; i++) {
                expected[i] = FloatCodecs.f16ToFloat(FloatCodecs.floatToF16((float) (w[i] + 0.1 * ba[i])) & 0xFFFF);
            }
            assertArrayEquals(expected, floats(q));
        }
    }

    @Test
    void anUpdateOfATensorTheModelLacksIsOneLineNamingTheFileAndTensor() throws IOException {
        List<InMemoryTensor> tensors = List.of(
                t(LoraAdapter.PREFIX + "model.layers.9.mlp.up_proj.lora_A.weight", s(1, 3), 1, 1, 1),
                t(LoraAdapter.PREFIX + "model.layers.9.mlp.up_proj.lora_B.weight", s(2, 1), 1, 1));
        LoraAdapter adapter = adapter("{\"r\": 1, \"lora_alpha\": 1}", tensors);
        EvomergeException e = assertThrows(EvomergeException.class, () -> LoraAdaptedModel.of(base(), adapter));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(temp.resolve(LoraAdapter.WEIGHTS_FILE) + ": the adapter changes"
                + " 'model.layers.9.mlp.up_proj.weight', which model (in memory) does not have", e.getMessage());
    }

    @Test
    void anUpdateOfAnotherShapeIsOneLineNamingTheFileAndTensor() throws IOException {
        List<InMemoryTensor> tensors = List.of(
                t(LoraAdapter.PREFIX + Q + ".lora_A.weight", s(1, 2), 1, 1),
                t(LoraAdapter.PREFIX + Q + ".lora_B.weight", s(2, 1), 1, 1));
        LoraAdapter adapter = adapter("{\"r\": 1, \"lora_alpha\": 1}", tensors);
        EvomergeException e = assertThrows(EvomergeException.class, () -> LoraAdaptedModel.of(base(), adapter));
        assertEquals(temp.resolve(LoraAdapter.WEIGHTS_FILE) + ": the update of '" + Q + ".weight' is [2, 2], the"
                + " model's tensor is [2, 3]", e.getMessage());
    }

    @Test
    void aRankTheConfigurationDoesNotStateIsRefused() {
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> adapter("{\"r\": 4, \"lora_alpha\": 4}", qFactors()));
        assertEquals(temp.resolve(LoraAdapter.WEIGHTS_FILE) + ": tensor 'base_model.model." + Q
                + ".lora_A.weight' has rank 2, adapter_config.json gives module '" + Q + "' rank 4", e.getMessage());
    }

    @Test
    void missingAdapterFilesAreNamed() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("adapter"));
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> LoraAdapter.open(folder, f -> { throw new AssertionError("not opened"); }));
        assertEquals(ErrorCategory.INPUT, e.category());
        assertEquals(folder + ": no adapter_config.json (a PEFT adapter folder holds adapter_config.json and"
                + " adapter_model.safetensors)", e.getMessage());
        Files.writeString(folder.resolve(LoraAdapter.CONFIG_FILE), "{\"r\": 2, \"lora_alpha\": 4}");
        e = assertThrows(EvomergeException.class, () -> LoraAdapter.open(folder, f -> null));
        assertEquals(folder + ": no adapter_model.safetensors (a PEFT adapter folder holds adapter_config.json and"
                + " adapter_model.safetensors)", e.getMessage());
        e = assertThrows(EvomergeException.class, () -> LoraAdapter.open(temp.resolve("nowhere"), f -> null));
        assertEquals(temp.resolve("nowhere") + ": no such adapter folder (a LoRA reference MODEL+ADAPTER names a PEFT"
                + " adapter folder holding adapter_config.json and adapter_model.safetensors)", e.getMessage());
    }

    @Test
    void anAdapterFolderOnDiskOpensThroughTheFormatThatReadsItsWeights() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("adapter"));
        Files.writeString(folder.resolve(LoraAdapter.CONFIG_FILE), "{\"r\": 2, \"lora_alpha\": 4, \"peft_type\": \"LORA\"}");
        Map<TensorInfo, MemorySegment> tensors = new LinkedHashMap<>();
        qFactors().forEach(t -> tensors.put(t.info(), t.data()));
        SafetensorsTestFormat.write(folder.resolve(LoraAdapter.WEIGHTS_FILE), tensors);
        try (Model model = LoraAdaptedModel.of(base(), LoraAdapter.open(folder, new SafetensorsTestFormat()::open))) {
            assertArrayEquals(new float[] {3, 6, 5, 4, 7, 6}, floats(model.tensors().tensor(Q + ".weight")));
        }
    }
}
