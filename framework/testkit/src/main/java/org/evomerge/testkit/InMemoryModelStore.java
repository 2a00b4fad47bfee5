package org.evomerge.testkit;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelConfig;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.InMemoryTensor;
import org.evomerge.api.tensor.Shape;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A {@link ModelStore} on the heap, for tests of mutations and strategies over whole-weight individuals: individuals
 * are float32 tensors keyed by a content hash, so two individuals with the same weights are the same genome (as the
 * engine's store promises through {@link ModelGenome#contentHash()}). Thread-safe.
 */
public final class InMemoryModelStore implements ModelStore {

    private static final ModelConfig CONFIG = new ModelConfig(Map.of(), toyConfig());

    /** The facts of the store's toy architecture; like a model folder without config.json, it states none. */
    private static Map<String, Object> toyConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", List.of("ToyForCausalLM"));
        config.put("model_type", "toy");
        config.put("num_hidden_layers", 1);
        config.put("hidden_size", 4);
        config.put("intermediate_size", 8);
        config.put("num_attention_heads", 1);
        config.put("head_dim", 4);
        config.put("vocab_size", 16);
        config.put("rope_theta", 10_000.0);
        config.put("rms_norm_eps", 1e-5);
        return config;
    }

    private record Individual(Map<String, Shape> shapes, Map<String, float[]> values, String label,
            List<ModelGenome> parents) {
    }

    private final Map<ModelGenome, Individual> individuals = new LinkedHashMap<>();
    private int combines;

    /** Adds an individual with the given 1-D tensors, in order; returns its genome. */
    public synchronized ModelGenome add(String label, Map<String, float[]> tensors) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        tensors.forEach((name, v) -> {
            shapes.put(name, Shape.of(v.length));
            values.put(name, v.clone());
        });
        return put(shapes, values, label, List.of());
    }

    /** A copy of one tensor's values. */
    public synchronized float[] values(ModelGenome genome, String tensor) {
        float[] v = individual(genome).values().get(tensor);
        if (v == null) {
            throw new IllegalArgumentException(genome + " has no tensor " + tensor);
        }
        return v.clone();
    }

    /** The label an individual was stored with. */
    public synchronized String label(ModelGenome genome) {
        return individual(genome).label();
    }

    /** The parents an individual was combined from (empty for added ones). */
    public synchronized List<ModelGenome> parents(ModelGenome genome) {
        return individual(genome).parents();
    }

    /** How many times {@link #combine} ran. */
    public synchronized int combines() {
        return combines;
    }

    @Override
    public synchronized ModelGenome combine(List<ModelGenome> parents, TensorCombiner combiner, String label) {
        if (parents.isEmpty()) {
            throw new IllegalArgumentException("combine needs at least one parent");
        }
        combines++;
        Individual first = individual(parents.getFirst());
        Map<String, Shape> shapes = new LinkedHashMap<>(first.shapes());
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> tensor : shapes.entrySet()) {
            List<float[]> inputs = new ArrayList<>();
            for (ModelGenome parent : parents) {
                float[] v = individual(parent).values().get(tensor.getKey());
                if (v == null) {
                    throw new IllegalArgumentException(parent + " has no tensor " + tensor.getKey());
                }
                inputs.add(v.clone());
            }
            float[] result = combiner.apply(tensor.getKey(), tensor.getValue(), inputs);
            if (result.length != tensor.getValue().elementCount()) {
                throw new IllegalStateException("combiner returned " + result.length + " values for " + tensor.getKey());
            }
            values.put(tensor.getKey(), result.clone());
        }
        return put(shapes, values, label, List.copyOf(parents));
    }

    @Override
    public synchronized Model open(ModelGenome genome) {
        Individual individual = individual(genome);
        List<InMemoryTensor> tensors = new ArrayList<>();
        individual.values().forEach((name, v) -> tensors.add(InMemoryTensor.ofFloats(name,
                individual.shapes().get(name), v)));
        return InMemoryModel.of(CONFIG, tensors);
    }

    @Override
    public synchronized ModelGenome write(Model model, String label) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (TensorInfo info : model.tensors().tensors()) {
            if (info.dtype() != DType.F32) {
                throw new IllegalArgumentException("the in-memory store holds float32 tensors only, got " + info);
            }
            float[] v = new float[(int) info.shape().elementCount()];
            java.lang.foreign.MemorySegment.copy(model.tensors().tensor(info.name()).data(),
                    ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, v, 0, v.length);
            shapes.put(info.name(), info.shape());
            values.put(info.name(), v);
        }
        return put(shapes, values, label, List.of());
    }

    @Override
    public ModelGenome adopt(Path folder, String label) {
        throw new UnsupportedOperationException("the in-memory store adopts no folders");
    }

    private Individual individual(ModelGenome genome) {
        Individual individual = individuals.get(genome);
        if (individual == null) {
            throw new IllegalArgumentException("not in this store: " + genome);
        }
        return individual;
    }

    private ModelGenome put(Map<String, Shape> shapes, Map<String, float[]> values, String label,
            List<ModelGenome> parents) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        values.forEach((name, v) -> {
            digest.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (float f : v) {
                int bits = Float.floatToIntBits(f);
                digest.update(new byte[] {(byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24)});
            }
        });
        String hash = HexFormat.of().formatHex(digest.digest());
        ModelGenome genome = new ModelGenome(Path.of("memory", hash.substring(0, 16)), hash);
        individuals.putIfAbsent(genome, new Individual(shapes, values, label, parents));
        return genome;
    }
}
