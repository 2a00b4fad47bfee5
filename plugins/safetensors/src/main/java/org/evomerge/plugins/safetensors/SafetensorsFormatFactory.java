package org.evomerge.plugins.safetensors;

import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.pf4j.Extension;

/** The {@code safetensors} model format: Hugging Face model folders (single-file or sharded) and safetensors files. */
@Extension
public class SafetensorsFormatFactory implements ModelFormatFactory {

    static final String ID = "safetensors";

    private static final ExtensionDescriptor DESCRIPTOR = new ExtensionDescriptor(ID, "1.0.0",
            ExtensionKind.MODEL_FORMAT,
            "Hugging Face folders: config.json, tokenizer files, safetensors weights (single or sharded with index).",
            ParameterSchema.EMPTY, Set.of(Capability.WRITABLE));

    @Override
    public ExtensionDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public ModelFormat create(Parameters parameters, RunContext context) {
        return new SafetensorsFormat();
    }
}
