package org.evomerge.plugins.safetensors;

import java.nio.file.Files;
import java.nio.file.Path;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.testkit.ModelFormatContract;

class SafetensorsFormatContractTest extends ModelFormatContract {

    @Override
    protected ModelFormatFactory factory() {
        return new SafetensorsFormatFactory();
    }

    @Override
    protected Path writeSample(Path folder) throws Exception {
        RawSafetensors.valid(folder.resolve("model.safetensors"));
        return folder;
    }

    @Override
    protected Path writeCorrupt(Path folder) throws Exception {
        Path file = RawSafetensors.valid(folder.resolve("model.safetensors"));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        return folder;
    }
}
