package io.gaio.kqueue;

/**
 * The kevent filter and flag values gaio uses. Netty reads them from its native library at run time but keeps them
 * package-private ({@code io.netty.channel.kqueue.Native}), so they are defined here, once, with the values of
 * {@code <sys/event.h>}: the same on macOS (XNU's {@code bsd/sys/event.h}), FreeBSD, OpenBSD and DragonFly. Not on
 * NetBSD, where filters count from 0 ({@code EVFILT_READ} is 0) and {@code filter} and {@code flags} are 32 bits wide;
 * Netty's kqueue transport does not support NetBSD either. The test {@code KeventTest} compares them with Netty's
 * wherever kqueue runs.
 */
final class Kevent {
    /** {@code EVFILT_READ}: readable, or the peer shut down its side (then with {@link #EV_EOF}). */
    static final short EVFILT_READ = -1;
    /** {@code EVFILT_WRITE}: writable, or the connection cannot be written any more (then with {@link #EV_EOF}). */
    static final short EVFILT_WRITE = -2;
    /** {@code EV_ADD}: adds the filter, enabled. */
    static final short EV_ADD = 0x0001;
    /** {@code EV_DELETE}: removes the filter. */
    static final short EV_DELETE = 0x0002;
    /** {@code EV_CLEAR}: resets the filter's state once it was reported, which makes it edge-triggered. */
    static final short EV_CLEAR = 0x0020;
    /**
     * {@code EV_EOF}: the end of the connection in the filter's direction; {@code fflags} holds a socket error. (Its
     * neighbour {@code EV_ERROR}, a change the kernel refused, never reaches a handle: Netty's {@code KQueueIoHandler}
     * drops such events before looking up their registration.)
     */
    static final short EV_EOF = (short) 0x8000;

    private Kevent() {
    }
}
