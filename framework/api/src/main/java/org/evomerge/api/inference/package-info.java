/**
 * Inference as a run-scoped service: {@link org.evomerge.api.inference.InferenceEngine} turns a model into a
 * {@link org.evomerge.api.inference.LanguageModel} that scores and generates tokens, for evaluators and mutations.
 */
package org.evomerge.api.inference;
