/**
 * Training as a run-scoped service: {@link org.evomerge.api.training.Trainer} fine-tunes a model on token
 * sequences (full fine-tuning or LoRA) and returns the result as an in-memory
 * {@link org.evomerge.api.model.Model} that the caller stores or writes with the normal model writers.
 */
package org.evomerge.api.training;
