package org.evomerge.plugins.gguf;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.evomerge.api.tensor.DType;

/**
 * The tensor types ggml writes into GGUF files, by their stable numbers. Only those with an evomerge {@link DType} can
 * be read; the others are listed so an error can name what the file holds.
 */
enum GgmlType {
    F32(0, DType.F32),
    F16(1, DType.F16),
    Q4_0(2, DType.Q4_0),
    Q4_1(3, null),
    Q5_0(6, null),
    Q5_1(7, null),
    Q8_0(8, DType.Q8_0),
    Q8_1(9, null),
    Q2_K(10, null),
    Q3_K(11, null),
    Q4_K(12, DType.Q4_K),
    Q5_K(13, DType.Q5_K),
    Q6_K(14, DType.Q6_K),
    Q8_K(15, null),
    IQ2_XXS(16, null),
    IQ2_XS(17, null),
    IQ3_XXS(18, null),
    IQ1_S(19, null),
    IQ4_NL(20, null),
    IQ3_S(21, null),
    IQ2_S(22, null),
    IQ4_XS(23, null),
    I8(24, null),
    I16(25, null),
    I32(26, null),
    I64(27, null),
    F64(28, null),
    IQ1_M(29, null),
    BF16(30, DType.BF16),
    TQ1_0(34, null),
    TQ2_0(35, null),
    MXFP4(39, null);

    /** For error messages: the ggml names of the readable types. */
    static final String SUPPORTED = Arrays.stream(values()).filter(t -> t.dtype != null).map(Enum::name)
            .collect(Collectors.joining(", "));

    private final int id;
    private final DType dtype;

    GgmlType(int id, DType dtype) {
        this.id = id;
        this.dtype = dtype;
    }

    /** The number the file stores for this type. */
    int id() {
        return id;
    }

    /** The evomerge type, or empty when evomerge cannot decode this one. */
    Optional<DType> dtype() {
        return Optional.ofNullable(dtype);
    }

    /** The type numbered {@code id}, or empty for numbers ggml never assigned or has retired. */
    static Optional<GgmlType> byId(long id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
