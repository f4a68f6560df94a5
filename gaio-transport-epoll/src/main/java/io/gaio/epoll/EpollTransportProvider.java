package io.gaio.epoll;

import io.gaio.unix.UnixTransportProvider;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * The Linux transport, {@code epoll}: Netty's native epoll loop ({@link EpollIoHandler}), edge-triggered, with reads
 * and writes straight between the socket and the buffers' memory. Preferred over {@code nio} wherever Netty's native
 * epoll library loads.
 *
 * <p>Listeners and connects of the watcher's own use native {@code accept4} and a non-blocking {@code connect} on the
 * event loop ({@link EpollListener}, {@link EpollSocket}): no JDK object, no duplicate. Existing connections are
 * taken over through a duplicate of their descriptor: JDK {@link java.nio.channels.SocketChannel}s and Netty
 * {@link EpollSocketChannel}s (see {@link UnixTransportProvider} for what happens to those on delegation).
 */
public final class EpollTransportProvider extends UnixTransportProvider {

    /** Called by {@link java.util.ServiceLoader}; touches no native code. */
    public EpollTransportProvider() {
        super("epoll", 100, EpollIoHandle.class, EpollSocketChannel.class, Epoll::unavailabilityCause,
                Epoll::ensureAvailability, EpollIoHandler::newFactory, EpollSocket::new, EpollListener::new);
    }
}
