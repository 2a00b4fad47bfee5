package org.evomerge.engine.kinship;

import org.evomerge.api.tensor.Shape;

/**
 * The statistics of one tensor's task vectors.
 *
 * @param name       the tensor name
 * @param shape      its shape (the same in the base and every model)
 * @param statistics its task-vector statistics
 */
public record TensorKinship(String name, Shape shape, TaskVectorStatistics statistics) {
}
