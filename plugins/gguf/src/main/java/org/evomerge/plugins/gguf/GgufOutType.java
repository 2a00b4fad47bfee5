package org.evomerge.plugins.gguf;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.evomerge.api.tensor.DType;
import org.evomerge.api.tensor.TensorInfo;

/**
 * What {@code --out-type} asks for: the type of the matrices of a written GGUF file, and its {@code general.file_type}
 * (llama.cpp's {@code llama_ftype}). Vectors and norms are F32 whatever the choice, as llama.cpp's converter writes them.
 */
enum GgufOutType {
    /**
     * llama.cpp's converter's default: BF16 or F16 as the first matrix that is either, else F16; from a GGUF file,
     * a first matrix in Q8_0 or Q4_0 also gives its type.
     */
    AUTO(null, -1),
    F32(GgmlType.F32, 0),
    F16(GgmlType.F16, 1),
    BF16(GgmlType.BF16, 32),
    Q8_0(GgmlType.Q8_0, 7),
    /** Not a type llama.cpp's converter writes; its quantizer's {@code Q4_0} with {@code --pure}. */
    Q4_0(GgmlType.Q4_0, 2);

    /** The values {@code out_type} and {@code --out-type} accept. */
    static final List<String> NAMES = Arrays.stream(values()).map(GgufOutType::id).toList();

    private final GgmlType matrixType;
    private final int fileType;

    GgufOutType(GgmlType matrixType, int fileType) {
        this.matrixType = matrixType;
        this.fileType = fileType;
    }

    /** The name users write: {@code f16}, {@code q8_0}. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type of the tensors the converter quantises. */
    GgmlType matrixType() {
        if (this == AUTO) {
            throw new IllegalStateException("resolve AUTO first");
        }
        return matrixType;
    }

    /** {@code general.file_type}. */
    int fileType() {
        if (this == AUTO) {
            throw new IllegalStateException("resolve AUTO first");
        }
        return fileType;
    }

    static GgufOutType of(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }

    /**
     * AUTO as llama.cpp's converter resolves it: the first tensor of two or more dimensions stored as BF16 or F16 (or,
     * read from a GGUF file, Q8_0 or Q4_0) gives the type; none does, F16. Other types resolve to themselves.
     *
     * @param tensors in the order the converter reads them
     */
    GgufOutType resolve(List<TensorInfo> tensors) {
        if (this != AUTO) {
            return this;
        }
        for (TensorInfo info : tensors) {
            if (info.shape().rank() < 2) {
                continue;
            }
            if (info.dtype() == DType.BF16) {
                return BF16;
            }
            if (info.dtype() == DType.F16) {
                return F16;
            }
            if (info.dtype() == DType.Q8_0) {
                return Q8_0;
            }
            if (info.dtype() == DType.Q4_0) {
                return Q4_0;
            }
        }
        return F16;
    }
}
