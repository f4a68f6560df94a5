package io.gaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The deadline heap pops requests earliest first, also after removals from the middle. */
class DeadlinesTest {

    private static OpResult request(long deadline) {
        return new OpResult(Operation.READ, null, new Object(), null, false, true, deadline);
    }

    @Test
    void popsEarliestFirstAfterRandomAddsAndRemovals() {
        Random random = new Random(42);
        Deadlines heap = new Deadlines();
        List<OpResult> live = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            // Deadlines around a wrapping base check the overflow-safe comparison.
            OpResult r = request(Long.MAX_VALUE - 1_000_000 + random.nextInt(2_000_000));
            heap.add(r);
            live.add(r);
            if (random.nextInt(3) == 0) {
                OpResult gone = live.remove(random.nextInt(live.size()));
                heap.remove(gone);
                assertEquals(-1, gone.deadlineIndex);
            }
        }
        live.sort((a, b) -> Long.compare(a.deadlineNanos - b.deadlineNanos, 0));
        for (OpResult expected : live) {
            OpResult head = heap.peek();
            assertEquals(expected.deadlineNanos, head.deadlineNanos);
            heap.remove(head);
        }
        assertTrue(heap.isEmpty());
        assertNull(heap.peek());
    }

    @Test
    void removingAnAbsentRequestIsHarmless() {
        Deadlines heap = new Deadlines();
        OpResult r = request(1);
        heap.remove(r);
        heap.add(r);
        heap.remove(r);
        heap.remove(r);
        assertTrue(heap.isEmpty());
    }
}
