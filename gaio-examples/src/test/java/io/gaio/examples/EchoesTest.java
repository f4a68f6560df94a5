package io.gaio.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The echo server's bound: a read goes with each write until two writes are pending, then waits for one. */
class EchoesTest {

    @Test
    void readsGoWithWritesUntilTwoArePending() {
        Echoes e = Echoes.of(null);
        assertSame(e, Echoes.of(e), "the context carries the counts");
        assertTrue(e.writeSubmitted(), "one write pending: read on");
        assertFalse(e.writeSubmitted(), "two writes pending: the read waits");
        assertTrue(e.writeCompleted(), "a write completed: the waiting read goes");
        assertFalse(e.writeSubmitted(), "two pending again: it waits again");
        assertTrue(e.writeCompleted());
        assertFalse(e.writeCompleted(), "no read waits: nothing to submit");
        assertFalse(e.writeCompleted(), "no read waits: nothing to submit");
        assertTrue(e.writeSubmitted(), "all written: the next read goes with the write");
    }

    @Test
    void onlyTheFirstFailureEndsTheConnection() {
        assertTrue(Echoes.firstFailure(null), "before the first echo a read is the only request");
        Echoes e = Echoes.of(null);
        e.writeSubmitted();
        e.writeSubmitted();
        assertTrue(Echoes.firstFailure(e));
        assertFalse(Echoes.firstFailure(e), "the other pending requests fail after it");
        assertTrue(e.writeCompleted(), "the counts go on beside the mark");
        assertFalse(Echoes.firstFailure(e));
    }
}
