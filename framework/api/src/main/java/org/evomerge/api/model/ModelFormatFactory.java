package org.evomerge.api.model;

import org.evomerge.api.Stable;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionFactory;
import org.evomerge.api.parameter.Parameters;

/** Extension point for checkpoint formats (safetensors, GGUF, ...). */
@Stable(since = "0.1.0")
public interface ModelFormatFactory extends ExtensionFactory {

    ModelFormat create(Parameters parameters, RunContext context);
}
