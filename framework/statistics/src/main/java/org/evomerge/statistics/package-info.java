/**
 * The statistics behind every score and every "A beats B" evomerge prints (ALGORITHMS.md B.23): a score's 95%
 * interval by percentile bootstrap over items ({@link Bootstrap}, checked against {@link Wilson}), a paired
 * comparison of two models on the same items ({@link PairedComparison}: the paired bootstrap of the difference and
 * the exact {@link McNemar} test), and the Student t interval of a mean over seeds ({@link StudentT}). Everything
 * is deterministic: the bootstrap draws from a {@link java.util.SplittableRandom} seeded by the caller and sums in a
 * fixed order, so the same items and seed give the same bits.
 */
package org.evomerge.statistics;
