package io.gaio.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Reading kevents: each filter is its direction; EV_EOF and EV_ERROR wake both, so the next read or write reports. */
class KQueueSocketTest {
    private static final int READ = 1;
    private static final int WRITE = 2;
    private static final short ADDED = Kevent.EV_ADD | Kevent.EV_CLEAR;

    @Test
    void eachFilterIsItsDirection() {
        assertEquals(READ, KQueueSocket.readiness(Kevent.EVFILT_READ, ADDED));
        assertEquals(WRITE, KQueueSocket.readiness(Kevent.EVFILT_WRITE, ADDED));
    }

    @Test
    void endOfFileAndErrorsWakeBothDirections() {
        assertEquals(READ | WRITE, KQueueSocket.readiness(Kevent.EVFILT_READ, (short) (ADDED | Kevent.EV_EOF)));
        assertEquals(READ | WRITE, KQueueSocket.readiness(Kevent.EVFILT_WRITE, (short) (ADDED | Kevent.EV_EOF)));
        assertEquals(READ | WRITE, KQueueSocket.readiness(Kevent.EVFILT_READ, Kevent.EV_ERROR));
    }

    @Test
    void otherFiltersAreIgnored() {
        short evfiltUser = -10;   // EVFILT_USER: Netty's own wake-ups, never delivered to a handle
        assertEquals(0, KQueueSocket.readiness(evfiltUser, ADDED));
    }
}
