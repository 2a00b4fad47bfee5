package org.evomerge.api.parameter;

import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.Stable;

/** A parameter value that does not fit the schema; the message names the extension and the parameter. */
@Stable(since = "0.1.0")
public class InvalidParameterException extends EvomergeException {
    private static final long serialVersionUID = 1L;

    private final String extensionId;
    private final String parameter;

    public InvalidParameterException(String extensionId, String parameter, String problem) {
        super(ErrorCategory.CONFIGURATION, extensionId + ": parameter '" + parameter + "' " + problem);
        this.extensionId = extensionId;
        this.parameter = parameter;
    }

    public String extensionId() {
        return extensionId;
    }

    public String parameter() {
        return parameter;
    }
}
