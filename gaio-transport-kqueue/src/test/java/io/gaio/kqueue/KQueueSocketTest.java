package io.gaio.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Reading kevents: each filter is its direction; EV_EOF wakes both, so the next read or write reports, and marks
 * the socket as ending, so reads never skip again. EV_ERROR never
 * gets here (Netty's {@code KQueueIoHandler} drops such events before looking up the registration), so a change the
 * kernel refused is never reported: {@code KQueueLoopTest} shows it where kqueue runs.
 */
class KQueueSocketTest {
    private static final int READ = 1;
    private static final int WRITE = 2;
    private static final int ENDING = 4;
    private static final short ADDED = Kevent.EV_ADD | Kevent.EV_CLEAR;

    @Test
    void eachFilterIsItsDirection() {
        assertEquals(READ, KQueueSocket.readiness(Kevent.EVFILT_READ, ADDED));
        assertEquals(WRITE, KQueueSocket.readiness(Kevent.EVFILT_WRITE, ADDED));
    }

    @Test
    void endOfFileWakesBothDirectionsAndEnds() {
        assertEquals(READ | WRITE | ENDING, KQueueSocket.readiness(Kevent.EVFILT_READ,
                (short) (ADDED | Kevent.EV_EOF)));
        assertEquals(READ | WRITE | ENDING, KQueueSocket.readiness(Kevent.EVFILT_WRITE,
                (short) (ADDED | Kevent.EV_EOF)));
    }

    @Test
    void otherFiltersAreIgnored() {
        short evfiltUser = -10;   // EVFILT_USER: Netty's own wake-ups, never delivered to a handle
        assertEquals(0, KQueueSocket.readiness(evfiltUser, ADDED));
    }
}
