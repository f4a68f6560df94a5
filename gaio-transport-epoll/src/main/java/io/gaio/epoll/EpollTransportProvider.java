package io.gaio.epoll;

import io.gaio.unix.UnixTransportProvider;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.Socket;
import java.io.IOException;

/**
 * The Linux transport, {@code epoll}: Netty's native epoll loop ({@link EpollIoHandler}), edge-triggered, with reads
 * and writes straight between the socket and the buffers' memory. Preferred over {@code nio} wherever Netty's native
 * epoll library loads.
 *
 * <p>Accepts {@link EpollConnection}s from gaio's own {@link EpollAcceptor}, whose descriptor the watcher takes over
 * as it is, and, through a duplicate of their descriptor, JDK {@link java.nio.channels.SocketChannel}s and Netty
 * {@link EpollSocketChannel}s: see {@link UnixTransportProvider} for what happens to those on delegation.
 */
public final class EpollTransportProvider extends UnixTransportProvider {

    /** Called by {@link java.util.ServiceLoader}; touches no native code. */
    public EpollTransportProvider() {
        super("epoll", 100, EpollIoHandle.class, EpollSocketChannel.class, Epoll::unavailabilityCause,
                Epoll::ensureAvailability, EpollIoHandler::newFactory, EpollSocket::new);
    }

    @Override
    public boolean supports(Object connection) {
        return connection instanceof EpollConnection || super.supports(connection);
    }

    @Override
    public String supportedTypes() {
        return "an io.gaio.epoll.EpollConnection, " + super.supportedTypes();
    }

    /** Accepted by gaio itself: the descriptor is handed over as it is, no duplicate needed. */
    @Override
    protected Socket takeOver(Object connection) throws IOException {
        return connection instanceof EpollConnection ? ((EpollConnection) connection).take() : super.takeOver(connection);
    }
}
