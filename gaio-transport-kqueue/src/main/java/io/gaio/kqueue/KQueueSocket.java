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
 * and the life cycle are {@link EdgeTriggeredSocket}'s; closing the descriptor removes both filters, and
 * {@link #unwatch} withdraws them while they may still be queued. SO_NOSIGPIPE is set on every socket
 * ({@link NoSigPipe}).
 */
final class KQueueSocket extends EdgeTriggeredSocket implements KQueueIoHandle {
    private static final short EDGE_TRIGGERED = Kevent.EV_ADD | Kevent.EV_CLEAR;
    /** Also the listener's filter. */
    static final KQueueIoOps WATCH_READ = KQueueIoOps.newOps(Kevent.EVFILT_READ, EDGE_TRIGGERED, 0);
    private static final KQueueIoOps WATCH_WRITE = KQueueIoOps.newOps(Kevent.EVFILT_WRITE, EDGE_TRIGGERED, 0);
    /** Also the listener's. */
    static final KQueueIoOps UNWATCH_READ = KQueueIoOps.newOps(Kevent.EVFILT_READ, Kevent.EV_DELETE, 0);
    private static final KQueueIoOps UNWATCH_WRITE = KQueueIoOps.newOps(Kevent.EVFILT_WRITE, Kevent.EV_DELETE, 0);

    /** Whether an event came, proof that the loop's {@code kevent} call applied both EV_ADDs. */
    private boolean added;

    /** Every socket of the transport comes through here: accepted, connected and taken over ones. */
    KQueueSocket(Socket socket, ReadinessListener listener) {
        super(socket, listener);
        NoSigPipe.set(socket);
    }

    /** The descriptor number, which kqueue calls the ident. */
    @Override
    public int ident() {
        return socket().intValue();
    }

    /**
     * Queues both filters for the loop's next {@code kevent} call. A change kqueue refuses comes back as an EV_ERROR
     * event, which Netty's {@code KQueueIoHandler} drops before looking for the registration: it is never reported,
     * the socket then never becomes ready, and the request's deadline, if any, ends it.
     */
    @Override
    protected void watch(IoRegistration registration) {
        registration.submit(WATCH_READ);
        registration.submit(WATCH_WRITE);
    }

    /**
     * Deletes both filters unless an event showed that they reached the kernel. Netty's {@code submit} only appends
     * to the loop's change list, applied at its next {@code kevent} call, and cancelling removes nothing queued
     * there: the EV_ADDs of a socket attached and closed before that call (in one loop pass) would be applied to
     * whatever file has the number by then, with this registration's udata, leaving a filter nobody removes and a
     * Netty warning ("had no registration") on each of its events. EV_DELETEs queued behind them, before the number
     * can be reused, undo them.
     *
     * <p>Once an event came they are in the kernel, and closing the descriptor removes them. Deleting them anyway, as
     * Netty's own channels do, would only fail (EBADF, or ENOENT on a reused number): each failed change takes a slot
     * of the loop's event list, and once they do not fit {@code kevent} fails, the rest of the list unapplied, and
     * Netty keeps the list, pauses the loop for a second and tries it again. Closing thousands of connections in one
     * pass could stall the loop so.
     */
    @Override
    protected void unwatch(IoRegistration registration) {
        if (!added) {
            registration.submit(UNWATCH_READ);
            registration.submit(UNWATCH_WRITE);
        }
    }

    @Override
    protected int readiness(IoEvent event) {
        added = true;
        KQueueIoEvent kevent = (KQueueIoEvent) event;
        return readiness(kevent.filter(), kevent.flags());
    }

    /** What a kevent of {@code filter} with {@code flags} means to the engine. */
    static int readiness(short filter, short flags) {
        if ((flags & Kevent.EV_EOF) != 0) {
            return READABLE | WRITABLE | ENDING;
        }
        if (filter == Kevent.EVFILT_READ) {
            return READABLE;
        }
        return filter == Kevent.EVFILT_WRITE ? WRITABLE : 0;
    }
}
