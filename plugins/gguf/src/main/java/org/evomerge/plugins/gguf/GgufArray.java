package org.evomerge.plugins.gguf;

import java.util.List;

/**
 * A metadata array. Only short arrays of scalars keep their items; long ones (the tokenizer's tokens, scores and
 * merges) are skipped when reading, so opening a model never materialises a vocabulary it does not need.
 *
 * @param elementType the type of the items
 * @param length      the number of items the file holds
 * @param items       the items as Java values, or empty when they were skipped
 */
record GgufArray(GgufValueType elementType, long length, List<Object> items) {

    GgufArray {
        items = List.copyOf(items);
    }

    boolean itemsKept() {
        return items.size() == length;
    }
}
