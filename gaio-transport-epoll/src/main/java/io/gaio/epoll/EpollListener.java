package io.gaio.epoll;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.gaio.unix.UnixListener;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.Socket;
import java.util.function.BiFunction;

/**
 * The watcher's listening socket on epoll: registered once with EPOLLIN|EPOLLET, so every arrival wakes the loop once
 * and an unattended backlog never does again. Accepting and the life cycle are {@link UnixListener}'s.
 */
final class EpollListener extends UnixListener implements EpollIoHandle {
    private static final EpollIoOps OPS = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLET);

    EpollListener(Socket socket, BiFunction<Socket, ReadinessListener, ? extends TransportSocket> sockets,
                  ReadinessListener listener) {
        super(socket, sockets, listener);
    }

    @Override
    public Socket fd() {
        return socket();
    }

    @Override
    protected void watch(IoRegistration registration) {
        registration.submit(OPS);
    }
}
