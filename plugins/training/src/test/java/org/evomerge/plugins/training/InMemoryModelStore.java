package org.evomerge.plugins.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.genome.ModelGenome;
import org.evomerge.api.model.InMemoryModel;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelStore;
import org.evomerge.api.tensor.InMemoryTensors;
import org.evomerge.api.tensor.Tensor;
import org.evomerge.api.tensor.TensorInfo;

/**
 * A model store for tests: individuals live in memory, named by a hash of their weights (or, for adopted folders,
 * of their files), so equal content gives equal genomes.
 */
final class InMemoryModelStore implements ModelStore {

    private final Map<Path, Model> models = new ConcurrentHashMap<>();
    final List<String> labels = new ArrayList<>();

    /** Puts a model in the store as an individual. */
    ModelGenome add(Model model) {
        String hash = hash(model);
        ModelGenome genome = new ModelGenome(Path.of("/store", hash), hash);
        models.put(genome.folder(), model);
        return genome;
    }

    @Override
    public Model open(ModelGenome genome) {
        Model model = models.get(genome.folder());
        if (model == null) {
            throw new IllegalArgumentException("not in the store: " + genome);
        }
        // The caller closes what it opens; the store keeps its copy.
        List<Tensor> tensors = model.tensors().tensors().stream()
                .map(info -> model.tensors().tensor(info.name())).toList();
        return new InMemoryModel(model.formatId(), Optional.of(genome.folder()), model.config(),
                InMemoryTensors.of(tensors), model.sideFiles(), () -> { });
    }

    @Override
    public ModelGenome combine(List<ModelGenome> parents, TensorCombiner combiner, String label) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized ModelGenome write(Model model, String label) {
        labels.add(label);
        return add(model);
    }

    @Override
    public synchronized ModelGenome adopt(Path folder, String label) {
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw EvomergeException.input(folder + ": no config.json", null);
        }
        labels.add(label);
        try (Stream<Path> files = Files.walk(folder)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                digest.update(folder.relativize(file).toString().getBytes());
                digest.update(Files.readAllBytes(file));
            }
            String hash = HexFormat.of().formatHex(digest.digest());
            return new ModelGenome(Path.of("/store", hash), hash);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hash(Model model) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (TensorInfo info : model.tensors().tensors()) {
                digest.update(info.name().getBytes());
                digest.update(model.tensors().tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE));
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
