package io.gaio.kqueue;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.gaio.unix.UnixListener;
import io.netty.channel.IoRegistration;
import io.netty.channel.kqueue.KQueueIoHandle;
import io.netty.channel.unix.Socket;
import java.util.function.BiFunction;

/**
 * The watcher's listening socket on kqueue: an EVFILT_READ filter added once with EV_ADD|EV_CLEAR (edge-triggered),
 * so every arrival wakes the loop once. Accepting and the life cycle are {@link UnixListener}'s; closing the
 * descriptor removes the filter.
 */
final class KQueueListener extends UnixListener implements KQueueIoHandle {
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
}
