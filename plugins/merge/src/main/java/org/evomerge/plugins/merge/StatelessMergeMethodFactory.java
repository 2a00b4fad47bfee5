package org.evomerge.plugins.merge;

import java.util.Set;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.Capability;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;

/**
 * A factory of a method that needs nothing from the run (no compute backend, no global parameter, no random source):
 * everything it reads comes with each tensor's {@code MergeInput}, so one instance serves every run.
 */
abstract class StatelessMergeMethodFactory extends DescribedMergeMethodFactory {

    private final MergeMethod method;

    StatelessMergeMethodFactory(String id, String description, ParameterSchema parameters,
                                Set<Capability> capabilities, MergeMethod method) {
        super(id, description, parameters, capabilities);
        this.method = method;
    }

    @Override
    public final MergeMethod create(Parameters globalParameters, RunContext context) {
        return method;
    }
}
