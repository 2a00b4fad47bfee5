package org.evomerge.plugins.spark;

import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.testkit.ExtensionFactoryContract;

/** The extension-point contract every factory meets (descriptor, schema defaults, loadable by the plugin host). */
class SparkExecutorFactoryContractTest extends ExtensionFactoryContract<SparkExecutorFactory> {

    @Override
    protected SparkExecutorFactory factory() {
        return new SparkExecutorFactory();
    }

    @Override
    protected ExtensionKind expectedKind() {
        return ExtensionKind.EVALUATION_EXECUTOR;
    }
}
