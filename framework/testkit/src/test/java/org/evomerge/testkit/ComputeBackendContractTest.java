package org.evomerge.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.evomerge.api.compute.ComputeBackend;
import org.evomerge.compute.VectorBackend;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The compute backend contract passes for the CPU backends, fails exactly the tests that cover a broken backend's
 * defect, and skips the tests of a capability a backend does not offer.
 */
class ComputeBackendContractTest {

    @Nested
    class CpuReference extends ComputeBackendContract {
        @Override
        protected ComputeBackend backend() {
            return REFERENCE;
        }
    }

    @Nested
    class CpuVector extends ComputeBackendContract {
        private static final ComputeBackend VECTOR = new VectorBackend();

        @Override
        protected ComputeBackend backend() {
            return VECTOR;
        }
    }

    private static Map<String, String> failures(Class<?> fixture, Set<String> skipped) {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture))
                .execute();
        Map<String, String> failed = new TreeMap<>();
        results.testEvents().failed().stream().forEach(event -> failed.put(methodName(event), event.toString()));
        results.testEvents().aborted().stream().forEach(event -> skipped.add(methodName(event)));
        assertEquals(0, results.containerEvents().failed().count(), "the fixture class itself failed");
        return failed;
    }

    @Test
    void aBlockRandomMaskThatDrawsFromTheBlocksStartFailsTheBlockTest() {
        Set<String> skipped = new TreeSet<>();
        assertEquals(Set.of("randomMasksOfBlocksAreSlicesOfTheWholeMask"),
                failures(BrokenComputeBackends.BlockDrawsFromZero.class, skipped).keySet());
        assertEquals(Set.of("inferenceKernelsAgreeWithDoublePrecisionSums"), skipped, "it has no inference kernels");
    }

    @Test
    void aCombineThatIgnoresMasksFailsTheCombineTests() {
        Set<String> skipped = new TreeSet<>();
        assertEquals(Set.of("combineMatchesHandWorkedTies", "combinesAreTheReferencesBits"),
                failures(BrokenComputeBackends.CombineIgnoresMasks.class, skipped).keySet());
    }

    @Test
    void aBf16EncoderThatTruncatesFailsTheRoundingTests() {
        Set<String> skipped = new TreeSet<>();
        Set<String> failed = failures(BrokenComputeBackends.Bf16Truncates.class, skipped).keySet();
        assertEquals(Set.of("bf16EncodeIsTheReferencesAndRoundsToNearestEven", "bf16EncodeKnownAnswers",
                "everyFloatTypeEncodesAsTheReference"), failed);
    }

    @Test
    void aBackendWithoutTaskVectorOperationsSkipsTheirTestsAndPassesTheRest() {
        Set<String> skipped = new TreeSet<>();
        assertEquals(Map.of(), failures(BrokenComputeBackends.WithoutTaskVectors.class, skipped));
        assertEquals(Set.of("taskVectorIsTheReferencesBits", "magnitudeMasksAreTheReferencesBits",
                "magnitudeMaskBreaksTiesByIndex", "randomMasksAreTheReferencesBitsAndFollowTheCounterBasedDraw",
                "randomMasksOfBlocksAreSlicesOfTheWholeMask", "combineMatchesHandWorkedTies",
                "combinesAreTheReferencesBits", "smallTensorsWithManyTiesRankAsAFullSort",
                "largeTensorsRankAsAFullSort", "ranksAreTheReferences", "extremesNeedNoSelection",
                "nanTakesTheReferencesPath", "topMagnitudeMasksAreTheMaskOfTheRank",
                "ranksOverBlocksAreTheWholeTensorsRanks", "inferenceKernelsAgreeWithDoublePrecisionSums"), skipped);
    }

    private static String methodName(Event event) {
        return event.getTestDescriptor().getSource()
                .filter(MethodSource.class::isInstance)
                .map(source -> ((MethodSource) source).getMethodName())
                .orElse(event.getTestDescriptor().getDisplayName());
    }
}
