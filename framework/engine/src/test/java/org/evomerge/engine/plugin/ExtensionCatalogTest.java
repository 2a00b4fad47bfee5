package org.evomerge.engine.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.extension.ExtensionKind;
import org.evomerge.api.merge.MergeMethod;
import org.evomerge.api.merge.MergeMethodFactory;
import org.evomerge.api.parameter.ParameterSchema;
import org.evomerge.api.parameter.Parameters;
import org.junit.jupiter.api.Test;

/** Looking extensions up by id: an unknown id names the installed ones and, for a typo, the one it was meant to be. */
class ExtensionCatalogTest {

    private static MergeMethodFactory method(String id) {
        return new MergeMethodFactory() {
            @Override
            public ExtensionDescriptor descriptor() {
                return new ExtensionDescriptor(id, "1.0.0", ExtensionKind.MERGE_METHOD, id, ParameterSchema.of(),
                        Set.of());
            }

            @Override
            public MergeMethod create(Parameters globalParameters, RunContext context) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static ExtensionCatalog catalog() {
        ExtensionCatalog catalog = new ExtensionCatalog();
        for (String id : new String[] {"linear", "ties", "dare_ties", "slerp"}) {
            assertEquals(java.util.Optional.empty(), catalog.register(method(id), "standard-merge"));
        }
        return catalog;
    }

    @Test
    void aTypoOfAnInstalledIdSuggestsIt() {
        EvomergeException e = assertThrows(EvomergeException.class,
                () -> catalog().require(ExtensionKind.MERGE_METHOD, "tiess", "recipe.yml: 'merge_method'"));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertEquals("recipe.yml: 'merge_method': unknown merge-method 'tiess' (did you mean 'ties'?); installed:"
                + " dare_ties, linear, slerp, ties", e.getMessage());
        assertEquals("unknown merge-method 'slepr' (did you mean 'slerp'?); installed: dare_ties, linear, slerp, ties",
                catalog().unknown(ExtensionKind.MERGE_METHOD, "slepr"));
        assertEquals("unknown merge-method 'tiess' (did you mean 'ties'?); installed: dare_ties, linear, slerp, ties",
                assertThrows(EvomergeException.class, () -> catalog().require(MergeMethodFactory.class, "tiess"))
                        .getMessage());
    }

    @Test
    void anUnrelatedIdOnlyListsTheInstalledOnes() {
        assertEquals("unknown merge-method 'frankenmerge'; installed: dare_ties, linear, slerp, ties",
                catalog().unknown(ExtensionKind.MERGE_METHOD, "frankenmerge"));
        assertEquals("unknown evaluator 'perplexity'; installed: none (is its plugin installed? see 'evomerge plugins"
                + " list')", catalog().unknown(ExtensionKind.EVALUATOR, "perplexity"));
    }

    @Test
    void aKnownIdIsFound() {
        assertEquals("ties", catalog().require(ExtensionKind.MERGE_METHOD, "ties", "x").descriptor().id());
    }
}
