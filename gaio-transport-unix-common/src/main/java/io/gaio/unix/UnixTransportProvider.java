package io.gaio.unix;

import io.gaio.spi.NettyChannels;
import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportListener;
import io.gaio.spi.TransportProvider;
import io.gaio.spi.TransportSocket;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The part of a native transport's provider that does not depend on the transport: listening and connecting sockets
 * of the watcher's own ({@link #listen}, {@link #newSocket}), and which connections it takes over and how. Takes JDK {@link SocketChannel}s (from {@code ServerSocketChannel.accept()} or {@code SocketChannel.open})
 * and the transport's own Netty socket channel type.
 *
 * <p>On delegation the watcher takes its <em>own duplicate</em> of the socket and closes the caller's object: the
 * caller's reads and writes on it fail from then on, while socket options set before (TCP_NODELAY, SO_RCVBUF,
 * SO_SNDBUF, SO_LINGER, SO_KEEPALIVE, ...) stay, since they belong to the socket. A dropped connection object is
 * therefore harmless, and one that is garbage collected without {@code free} has its socket closed by the watcher.
 *
 * <p>JDK channels: the channel must not be registered with a {@link java.nio.channels.Selector}. Its descriptor is
 * private to the JDK; gaio reads it through reflection when the JVM runs with
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} ({@code =io.gaio.unix} on the module path), otherwise through
 * {@code sun.misc.Unsafe}, which works without flags but makes JDK 24 and later print a one-time warning.
 *
 * <p>Netty channels are deregistered from their event loop first, so Netty reads nothing more; bytes Netty had
 * already read and the pipeline had not consumed stay with the application. The take-over happens on the watcher's
 * loop shortly after the first request, and until then Netty may go on reading: create such channels with auto-read
 * off ({@code childOption(ChannelOption.AUTO_READ, false)}), or deregister them and wait for the future, when bytes
 * can arrive before the first request. A channel registered with the watcher's own event loop must be deregistered
 * by its owner before the first request.
 *
 * <p>A subclass describes the rest through the constructor: its name, Netty's availability, I/O handler and channel
 * type, and its socket (an {@link EdgeTriggeredSocket}, or a completion-based one). Constructing a provider and
 * asking its name, priority or availability touches no native code, since every provider on the class path is
 * instantiated and asked on every platform.
 */
public abstract class UnixTransportProvider implements TransportProvider {
    private final String name;
    private final int priority;
    private final Class<? extends IoHandle> handleType;
    private final Class<? extends UnixChannel> nettyChannelType;
    private final Supplier<Throwable> unavailabilityCause;
    private final Runnable loadNativeLibrary;
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final BiFunction<Socket, ReadinessListener, ? extends TransportSocket> sockets;
    private final ListenerFactory listeners;

    /** Makes the transport's listener for a listening descriptor. */
    @FunctionalInterface
    public interface ListenerFactory {
        /**
         * The transport's listener.
         *
         * @param socket   a bound, listening, non-blocking socket the listener owns from now on
         * @param sockets  the transport's socket for an accepted descriptor
         * @param listener where the listener reports arrivals
         * @return the listener, not yet registered
         */
        TransportListener create(Socket socket, BiFunction<Socket, ReadinessListener, ? extends TransportSocket> sockets,
                                 ReadinessListener listener);
    }

    /**
     * Describes the transport. Nothing here may load native code: the functions are called only when needed, and
     * Netty's availability classes catch what loading throws.
     *
     * @param name                the transport's name
     * @param priority            its preference when no transport is named
     * @param handleType          the Netty handle type its sockets implement
     * @param nettyChannelType    the Netty socket channel type of the same transport, which it takes over, or
     *                            {@code null} when it takes JDK channels only
     * @param unavailabilityCause Netty's reason why the transport cannot run here, or {@code null}, e.g.
     *                            {@code Epoll::unavailabilityCause}
     * @param loadNativeLibrary   loads the transport's native library, which also carries the unix-common natives
     *                            that raw socket calls and descriptor duplication use, e.g.
     *                            {@code Epoll::ensureAvailability}; called before every take-over
     * @param ioHandlerFactory    the Netty I/O handler factory, e.g. {@code EpollIoHandler::newFactory}
     * @param sockets             the transport's socket for a descriptor the watcher now owns
     * @param listeners           the transport's listener for a listening descriptor the watcher owns
     */
    protected UnixTransportProvider(String name, int priority, Class<? extends IoHandle> handleType,
                                    Class<? extends UnixChannel> nettyChannelType,
                                    Supplier<Throwable> unavailabilityCause, Runnable loadNativeLibrary,
                                    Supplier<IoHandlerFactory> ioHandlerFactory,
                                    BiFunction<Socket, ReadinessListener, ? extends TransportSocket> sockets,
                                    ListenerFactory listeners) {
        this.name = Objects.requireNonNull(name, "name");
        this.priority = priority;
        this.handleType = Objects.requireNonNull(handleType, "handleType");
        this.nettyChannelType = nettyChannelType;
        this.unavailabilityCause = Objects.requireNonNull(unavailabilityCause, "unavailabilityCause");
        this.loadNativeLibrary = Objects.requireNonNull(loadNativeLibrary, "loadNativeLibrary");
        this.ioHandlerFactory = Objects.requireNonNull(ioHandlerFactory, "ioHandlerFactory");
        this.sockets = Objects.requireNonNull(sockets, "sockets");
        this.listeners = Objects.requireNonNull(listeners, "listeners");
    }

    /**
     * Netty's cause, without the {@link ExceptionInInitializerError} it is wrapped in when the failure happened while
     * Netty's {@code Native} class initialised (for example kqueue's {@code "Only supported on OSX/BSD"} on Linux):
     * the wrapper alone says nothing.
     */
    @Override
    public final Throwable unavailabilityCause() {
        Throwable cause = unavailabilityCause.get();
        return cause instanceof ExceptionInInitializerError && cause.getCause() != null ? cause.getCause() : cause;
    }

    @Override
    public final IoHandlerFactory newIoHandlerFactory() {
        return ioHandlerFactory.get();
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int priority() {
        return priority;
    }

    @Override
    public final boolean duplicatesSockets() {
        return true;
    }

    @Override
    public final Class<? extends IoHandle> handleType() {
        return handleType;
    }

    @Override
    public boolean supports(Object connection) {
        return connection instanceof SocketChannel
                || nettyChannelType != null && nettyChannelType.isInstance(connection);
    }

    @Override
    public String supportedTypes() {
        return nettyChannelType == null ? "a java.nio.channels.SocketChannel"
                : "a java.nio.channels.SocketChannel or an " + nettyChannelType.getName();
    }

    @Override
    public final TransportListener listen(InetSocketAddress address, int backlog, boolean reuseAddress,
                                          boolean reusePort, ReadinessListener listener) throws IOException {
        loadNativeLibrary.run();
        Socket socket = UnixSockets.stream(address);
        try {
            socket.setReuseAddress(reuseAddress);
            socket.setReusePort(reusePort);
            UnixSockets.bind(socket, address, reusePort);
            socket.listen(backlog);
            return listeners.create(socket, sockets, listener);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public final TransportSocket newSocket(InetSocketAddress remote, ReadinessListener listener) throws IOException {
        loadNativeLibrary.run();
        Socket socket = UnixSockets.stream(remote);
        try {
            return sockets.apply(socket, listener);
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public final TransportSocket adopt(Object connection, ReadinessListener listener) throws IOException {
        loadNativeLibrary.run();
        return sockets.apply(takeOver(connection), listener);
    }

    /**
     * Takes the descriptor of a connection {@link #supports} accepted; a subclass that supports more types handles
     * them first and passes the rest on.
     *
     * @param connection the caller's connection object
     * @return a socket the watcher owns, the caller's object closed
     * @throws IOException when the connection is closed, not a connected TCP socket, or cannot be duplicated
     */
    protected Socket takeOver(Object connection) throws IOException {
        return connection instanceof SocketChannel
                ? takeOverJdk((SocketChannel) connection) : takeOverNetty((UnixChannel) connection);
    }

    private static Socket takeOverJdk(SocketChannel channel) throws IOException {
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
        Socket copy = Descriptors.duplicate(JdkChannelFd.of(channel), channel.getLocalAddress(),
                channel.getRemoteAddress());
        try {
            channel.close();
        } catch (IOException e) {
            copy.close();
            throw e;
        }
        return copy;
    }

    private static Socket takeOverNetty(UnixChannel channel) throws IOException {
        if (!channel.isActive()) {
            throw new IOException(channel.isOpen() ? "the Netty channel is not connected" : "the channel is closed");
        }
        // Off Netty's event loop while the descriptor is still open: a readiness registration left behind (Netty may
        // close its descriptor first) could go on firing on Netty's loop for the socket the duplicate shares.
        NettyChannels.deregister(channel);
        Socket copy = Descriptors.duplicate(channel.fd().intValue(), channel.localAddress(), channel.remoteAddress());
        try {
            close(channel);
        } catch (IOException e) {
            copy.close();
            throw e;
        }
        return copy;
    }

    /** Closes the caller's channel through Netty, so that its pipeline sees it go inactive; failing that, its fd. */
    private static void close(UnixChannel channel) throws IOException {
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
