package org.evomerge.plugins.gguf;

import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/**
 * llama.cpp's GGUF files (v2, v3), read-only: F32, F16, BF16, Q8_0, Q4_0, Q4_K and Q6_K tensors, Llama-family names
 * and q/k row order presented as Hugging Face's, the configuration taken from the metadata.
 */
@Extension
public class GgufFormatFactory implements ModelFormatFactory {

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(GgufFormat.ID, "1.0.0",
            ExtensionKind.MODEL_FORMAT,
            "llama.cpp GGUF files (v2, v3), read-only; Llama-family tensors under Hugging Face names.",
            ParameterSchema.EMPTY, Set.of());

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public ModelFormat create(Parameters parameters, RunContext context) {
        return new GgufFormat();
    }
}
