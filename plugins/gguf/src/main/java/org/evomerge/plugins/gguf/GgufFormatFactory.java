package org.evomerge.plugins.gguf;

import java.util.List;
import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.ParameterSpec;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * llama.cpp's GGUF files (v2, v3): read with F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K and Q6_K tensors, Llama-family
 * names and q/k row order presented as Hugging Face's, the configuration taken from the metadata; written for Llama,
 * Mistral and Qwen2 models as llama.cpp's converter writes them, matrices in {@code out_type}.
 */
@Extension
public class GgufFormatFactory implements ModelFormatFactory {

    static final String OUT_TYPE = "out_type";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(GgufFormat.ID, "1.1.0",
            ExtensionKind.MODEL_FORMAT,
            "llama.cpp GGUF files (v2, v3); Llama-family tensors under Hugging Face names; written as llama.cpp's"
                    + " converter writes them.",
            new ParameterSchema(List.of(ParameterSpec.choice(OUT_TYPE, GgufOutType.AUTO.id(), GgufOutType.NAMES,
                    "type of the matrices of written files (auto: BF16 or F16 as the model's, as llama.cpp's"
                            + " converter decides); vectors and norms are F32"))),
            Set.of(Capability.WRITABLE));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public ModelFormat create(Parameters parameters, RunContext context) {
        GgufOutType outType = parameters != null && parameters.has(OUT_TYPE)
                ? GgufOutType.of(parameters.string(OUT_TYPE)) : GgufOutType.AUTO;
        return new GgufFormat(outType, context.compute());
    }
}
