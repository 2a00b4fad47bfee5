package org.evomerge.plugins.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelWriter;
import org.evomerge.api.model.WriteOptions;

/** Hugging Face folders with safetensors weights, and single safetensors files. */
final class SafetensorsFormat implements ModelFormat {

    /**
     * A folder with safetensors weights, an index, a {@code config.json} (so that a pickle-only folder gets the
     * conversion advice instead of "unknown format"), or a file whose name or header says safetensors.
     */
    @Override
    public boolean recognizes(Path path) {
        try {
            if (Files.isDirectory(path)) {
                if (Files.isRegularFile(path.resolve("config.json"))
                        || Files.isRegularFile(path.resolve(ShardIndex.FILE_NAME))) {
                    return true;
                }
                try (Stream<Path> files = Files.list(path)) {
                    return files.anyMatch(f -> f.getFileName().toString().endsWith(".safetensors"));
                }
            }
            if (!Files.isRegularFile(path)) {
                return false;
            }
            if (path.getFileName().toString().endsWith(".safetensors") || HuggingFaceFolder.isPickle(path)) {
                return true;
            }
            return looksLikeSafetensors(path);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A plausible length prefix followed by '{'. */
    private static boolean looksLikeSafetensors(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            if (channel.read(head, 0) < 9) {
                return false;
            }
            long length = head.getLong(0);
            return length >= 2 && length <= SafetensorsHeader.MAX_HEADER_BYTES && length <= channel.size() - 8
                    && head.get(8) == '{';
        }
    }

    @Override
    public Model open(Path path) {
        return SafetensorsModel.open(path);
    }

    @Override
    public ModelWriter create(Path destination, WriteOptions options) {
        return new SafetensorsWriter(destination, options);
    }
}
