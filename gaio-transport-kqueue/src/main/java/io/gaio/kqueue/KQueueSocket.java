package io.gaio.kqueue;

import io.gaio.spi.ReadinessListener;
import io.gaio.unix.EdgeTriggeredSocket;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.kqueue.KQueueIoEvent;
import io.netty.channel.kqueue.KQueueIoHandle;
import io.netty.channel.kqueue.KQueueIoOps;
import io.netty.channel.unix.Socket;

/**
 * The watcher's socket on kqueue: an EVFILT_READ and an EVFILT_WRITE filter, both added once with EV_ADD|EV_CLEAR
 * (edge-triggered), so they never have to change and an idle connection never wakes the loop. EV_EOF, the peer's
 * close or a socket error, counts as readiness in both directions: the next read or write reports it. Reads, writes
 * and the life cycle are {@link EdgeTriggeredSocket}'s; closing the descriptor removes both filters.
 */
final class KQueueSocket extends EdgeTriggeredSocket implements KQueueIoHandle {
    private static final short EDGE_TRIGGERED = Kevent.EV_ADD | Kevent.EV_CLEAR;
    /** Also the listener's filter. */
    static final KQueueIoOps WATCH_READ = KQueueIoOps.newOps(Kevent.EVFILT_READ, EDGE_TRIGGERED, 0);
    private static final KQueueIoOps WATCH_WRITE = KQueueIoOps.newOps(Kevent.EVFILT_WRITE, EDGE_TRIGGERED, 0);

    KQueueSocket(Socket socket, ReadinessListener listener) {
        super(socket, listener);
    }

    /** The descriptor number, which kqueue calls the ident. */
    @Override
    public int ident() {
        return socket().intValue();
    }

    /**
     * Queues both filters for the loop's next {@code kevent} call. A change kqueue refuses comes back as an EV_ERROR
     * event, which Netty drops: the socket then never becomes ready, and the request's deadline, if any, ends it.
     */
    @Override
    protected void watch(IoRegistration registration) {
        registration.submit(WATCH_READ);
        registration.submit(WATCH_WRITE);
    }

    @Override
    protected int readiness(IoEvent event) {
        KQueueIoEvent kevent = (KQueueIoEvent) event;
        return readiness(kevent.filter(), kevent.flags());
    }

    /** What a kevent of {@code filter} with {@code flags} means to the engine. */
    static int readiness(short filter, short flags) {
        if ((flags & (Kevent.EV_EOF | Kevent.EV_ERROR)) != 0) {
            return READABLE | WRITABLE;
        }
        if (filter == Kevent.EVFILT_READ) {
            return READABLE;
        }
        return filter == Kevent.EVFILT_WRITE ? WRITABLE : 0;
    }
}
