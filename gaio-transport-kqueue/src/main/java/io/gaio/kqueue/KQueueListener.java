package io.gaio.kqueue;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.gaio.unix.UnixListener;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.kqueue.KQueueIoHandle;
import io.netty.channel.unix.Socket;
import java.util.function.BiFunction;

/**
 * The watcher's listening socket on kqueue: an EVFILT_READ filter added once with EV_ADD|EV_CLEAR (edge-triggered),
 * so every arrival wakes the loop once. Accepting and the life cycle are {@link UnixListener}'s; closing the
 * descriptor removes the filter, and {@link #unwatch} withdraws it while it may still be queued, as
 * {@link KQueueSocket#unwatch} explains.
 */
final class KQueueListener extends UnixListener implements KQueueIoHandle {
    /** Whether an event came, proof that the loop's {@code kevent} call applied the EV_ADD. */
    private boolean added;

    KQueueListener(Socket socket, BiFunction<Socket, ReadinessListener, ? extends TransportSocket> sockets,
                   ReadinessListener listener) {
        super(socket, sockets, listener);
    }

    @Override
    public int ident() {
        return socket().intValue();
    }

    @Override
    protected void watch(IoRegistration registration) {
        registration.submit(KQueueSocket.WATCH_READ);
    }

    @Override
    protected boolean isArrival(IoEvent event) {
        added = true;
        return true;
    }

    @Override
    protected void unwatch(IoRegistration registration) {
        if (!added) {
            registration.submit(KQueueSocket.UNWATCH_READ);
        }
    }
}
