package org.evomerge.plugins.gguf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.testkit.ModelFormatContract;

/** The GGUF format passes the test kit's model-format contract. */
class GgufFormatContractTest extends ModelFormatContract {

    @Override
    protected ModelFormatFactory factory() {
        return new GgufFormatFactory();
    }

    @Override
    protected Path writeSample(Path folder) throws Exception {
        return GgufSamples.tinyLlama().write(folder.resolve("tiny.gguf"));
    }

    @Override
    protected Path writeCorrupt(Path folder) throws Exception {
        // A real header cut off in the middle of the metadata.
        byte[] bytes = GgufSamples.tinyLlama().build().bytes();
        return Files.write(folder.resolve("cut.gguf"), Arrays.copyOf(bytes, 100));
    }
}
