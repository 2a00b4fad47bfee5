package org.evomerge.cli.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.evomerge.api.EvomergeException;
import org.junit.jupiter.api.Test;

class MergeCommandTest {

    @Test
    void readsShardSizesAsMergekitDoes() {
        assertEquals(5_000_000_000L, MergeCommand.parseSize("5B"));
        assertEquals(500_000_000L, MergeCommand.parseSize("500M"));
        assertEquals(2_000_000_000L, MergeCommand.parseSize("2GB"));
        assertEquals(1L << 30, MergeCommand.parseSize("1GiB"));
        assertEquals(1_500_000L, MergeCommand.parseSize("1.5MB"));
        assertEquals(4096, MergeCommand.parseSize("4096"));
        assertThrows(EvomergeException.class, () -> MergeCommand.parseSize("lots"));
        assertThrows(EvomergeException.class, () -> MergeCommand.parseSize("0"));
    }
}
