/**
 * Where evaluations run. The evolution engine hands each generation's candidates to an {@link
 * org.evomerge.api.execution.EvaluationExecutor} as {@link org.evomerge.api.execution.EvaluationTask}s and journals
 * the scores it is given back; the default executor is a pool of threads in the coordinator's JVM, a plugin may run
 * the tasks on other machines (the {@code spark} plugin). The coordinator alone writes the journal.
 */
package org.evomerge.api.execution;
