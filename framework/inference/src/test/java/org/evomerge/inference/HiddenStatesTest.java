package org.evomerge.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.evomerge.api.inference.HiddenStates;
import org.evomerge.api.inference.LanguageModel;
import org.evomerge.api.tensor.DType;
import org.junit.jupiter.api.Test;

/** {@link HiddenStates#layerInputs} against the layer inputs of {@link ReferenceLlama}'s float64 forward pass. */
class HiddenStatesTest {

    private static final LlamaInferenceEngine ENGINE = new LlamaInferenceEngine(2, m -> Optional.empty());

    @Test
    void everyLayersInputMatchesTheReference() {
        for (TinyModel model : new TinyModel[] {TinyModel.of(TinyModel.llama3(), DType.BF16, 4),
                TinyModel.mixtral(TinyModel.mistral(), 4, 2, DType.F32, 4)}) {
            int[] tokens = LlamaForwardTest.randomTokens(9, model.spec.vocab(), 3);
            ReferenceLlama reference = new ReferenceLlama(model);
            reference.logits(tokens);
            try (LanguageModel lm = ENGINE.load(model.model())) {
                float[][] inputs = lm.hiddenStates().orElseThrow().layerInputs(tokens);
                assertEquals(model.spec.layers(), inputs.length);
                int h = model.spec.hidden();
                for (int l = 0; l < inputs.length; l++) {
                    for (int t = 0; t < tokens.length; t++) {
                        float[] row = java.util.Arrays.copyOfRange(inputs[l], t * h, (t + 1) * h);
                        double error = LlamaForwardTest.relativeError(row, reference.layerInputs[l][t]);
                        assertTrue(error < LlamaForwardTest.TOLERANCE, model.spec.architecture() + " layer " + l
                                + " token " + t + ": relative error " + error);
                    }
                }
                assertThrows(IllegalArgumentException.class,
                        () -> lm.hiddenStates().orElseThrow().layerInputs(new int[0]));
            }
        }
    }
}
