package io.gaio.epoll;

import io.gaio.spi.NettyChannels;
import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportProvider;
import io.gaio.spi.TransportSocket;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.LinuxSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

/**
 * The Linux transport, {@code epoll}: Netty's native epoll loop ({@link EpollIoHandler}), edge-triggered, with reads
 * and writes straight between the socket and the buffers' memory. Preferred over {@code nio} wherever Netty's native
 * epoll library loads.
 *
 * <p>Accepts {@link EpollConnection}s from gaio's own {@link EpollAcceptor}, whose descriptor the watcher takes over
 * as it is, JDK {@link SocketChannel}s (from {@code ServerSocketChannel.accept()} or {@code SocketChannel.open(...)})
 * and Netty {@link EpollSocketChannel}s. On delegation of a JDK or Netty channel the watcher takes its <em>own duplicate</em> of the socket and
 * closes the caller's object: the caller's reads and writes on it fail from then on, while socket options set before
 * (TCP_NODELAY, SO_RCVBUF, SO_SNDBUF, SO_LINGER, SO_KEEPALIVE, ...) stay, since they belong to the socket.
 * A dropped connection object is therefore harmless, and one that is garbage collected without {@code free} has its
 * socket closed by the watcher.
 *
 * <p>JDK channels: the channel must not be registered with a {@link java.nio.channels.Selector}. Its descriptor is
 * private to the JDK; gaio reads it through reflection when the JVM runs with
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} ({@code =io.gaio.epoll} on the module path), otherwise through
 * {@code sun.misc.Unsafe}, which works without flags but makes JDK 24 and later print a one-time warning.
 *
 * <p>Netty channels are deregistered from their event loop first, so Netty reads nothing more; bytes Netty had
 * already read and the pipeline had not consumed stay with the application. The take-over happens on the watcher's
 * loop shortly after the first request, and until then Netty may go on reading: create such channels with auto-read
 * off ({@code childOption(ChannelOption.AUTO_READ, false)}), or deregister them and wait for the future, when bytes
 * can arrive before the first request. A channel registered with the watcher's own event loop must be deregistered
 * by its owner before the first request.
 */
public final class EpollTransportProvider implements TransportProvider {

    /** Called by {@link java.util.ServiceLoader}; touches no native code. */
    public EpollTransportProvider() {
    }

    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Throwable unavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    @Override
    public boolean duplicatesSockets() {
        return true;
    }

    @Override
    public IoHandlerFactory newIoHandlerFactory() {
        return EpollIoHandler.newFactory();
    }

    @Override
    public Class<? extends IoHandle> handleType() {
        return EpollIoHandle.class;
    }

    @Override
    public boolean supports(Object connection) {
        return connection instanceof EpollConnection || connection instanceof SocketChannel
                || connection instanceof EpollSocketChannel;
    }

    @Override
    public String supportedTypes() {
        return "an io.gaio.epoll.EpollConnection, a java.nio.channels.SocketChannel or an "
                + "io.netty.channel.epoll.EpollSocketChannel";
    }

    @Override
    public TransportSocket adopt(Object connection, ReadinessListener listener) throws IOException {
        // Loads the native library that the descriptor passing needs, if no epoll loop has done so yet.
        Epoll.ensureAvailability();
        LinuxSocket socket;
        if (connection instanceof EpollConnection) {
            // Accepted by gaio itself: the descriptor is handed over as it is, no duplicate needed.
            socket = ((EpollConnection) connection).take();
        } else if (connection instanceof EpollSocketChannel) {
            socket = takeOver((EpollSocketChannel) connection);
        } else {
            socket = takeOver((SocketChannel) connection);
        }
        return new EpollSocket(socket, listener);
    }

    private static LinuxSocket takeOver(SocketChannel channel) throws IOException {
        if (!channel.isOpen()) {
            throw new IOException("the channel is closed");
        }
        if (!channel.isConnected() || !(channel.getRemoteAddress() instanceof InetSocketAddress)) {
            throw new IOException("the channel is not a connected TCP channel: " + channel);
        }
        if (channel.isRegistered()) {
            // Closing a registered channel shuts down output of the socket, which the duplicate shares.
            throw new IOException("the channel is registered with a Selector: cancel its key and let that selector "
                    + "run once before handing the channel over");
        }
        // A blocking-mode close may shut down output of the shared socket too; the non-blocking one just closes.
        channel.configureBlocking(false);
        LinuxSocket copy = Descriptors.duplicate(JdkChannelFd.of(channel), channel.getLocalAddress(),
                channel.getRemoteAddress());
        try {
            channel.close();
        } catch (IOException e) {
            copy.close();
            throw e;
        }
        return copy;
    }

    private static LinuxSocket takeOver(EpollSocketChannel channel) throws IOException {
        if (!channel.isActive()) {
            throw new IOException(channel.isOpen() ? "the Netty channel is not connected" : "the channel is closed");
        }
        // Out of Netty's epoll set while the descriptor is still open: an epoll entry lives as long as any duplicate
        // of the socket, so one left behind (Netty may close its descriptor first) would keep firing on Netty's loop.
        NettyChannels.deregister(channel);
        LinuxSocket copy = Descriptors.duplicate(channel.fd().intValue(), channel.localAddress(),
                channel.remoteAddress());
        try {
            close(channel);
        } catch (IOException e) {
            copy.close();
            throw e;
        }
        return copy;
    }

    /** Closes the caller's channel through Netty, so that its pipeline sees it go inactive; failing that, its fd. */
    private static void close(EpollSocketChannel channel) throws IOException {
        ChannelFuture closed = null;
        try {
            EventLoop loop = channel.eventLoop();
            closed = channel.close();
            if (!loop.inEventLoop()) {
                closed.awaitUninterruptibly();
            }
        } catch (IllegalStateException neverRegistered) {
            // A channel that never had an event loop cannot run Netty's close.
        }
        if (closed == null || !closed.isSuccess()) {
            // The caller's descriptor must go, or the connection would outlive free().
            channel.fd().close();
        }
    }
}
