package io.gaio.spi;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandlerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A transport: readiness events and raw socket I/O for the watcher's engine, found through
 * {@link java.util.ServiceLoader}.
 *
 * <p>A transport module lists its implementation in
 * {@code META-INF/services/io.gaio.spi.TransportProvider}. The engine in {@code gaio-core} does everything else:
 * request queues, deadlines, swap buffers and completion batches. A transport only
 * <ol>
 *   <li>names itself and says whether it can run here ({@link #unavailabilityCause()}),</li>
 *   <li>supplies the Netty {@link IoHandlerFactory} whose event loop delivers its readiness events, and</li>
 *   <li>adopts a caller's connection object as a {@link TransportSocket} registered on that loop,</li>
 *   <li>opens listening sockets ({@link #listen}) and new, unconnected sockets ({@link #newSocket}) that the
 *       engine connects, for connections the watcher owns from the start.</li>
 * </ol>
 *
 * <p>Implementations must be thread-safe and cheap to construct: the watcher's transport lookup instantiates every
 * provider on the class path.
 */
public interface TransportProvider {

    /**
     * The name users select the transport with.
     *
     * @return the name in {@code -Dgaio.transport=NAME}, for example {@code nio} or {@code epoll}
     */
    String name();

    /**
     * Preference when no transport is named: the available provider with the highest priority wins.
     * Portable transports use low values, native ones higher values on the platforms they were built for.
     *
     * @return the priority
     */
    int priority();

    /**
     * Why this transport cannot run in this JVM. Must not throw.
     *
     * @return the cause, or {@code null} when the transport can run
     */
    Throwable unavailabilityCause();

    /**
     * Whether the watcher keeps its own duplicate of a delegated socket. When {@code true}, the caller's connection
     * object is closed on delegation and can be garbage collected; when {@code false}, the watcher uses the caller's
     * object itself and keeps it reachable until {@code free} or {@code close}.
     *
     * @return whether delegated sockets are duplicated
     */
    boolean duplicatesSockets();

    /**
     * A factory for the Netty I/O handler whose event loops deliver this transport's readiness events.
     *
     * @return a new factory
     */
    IoHandlerFactory newIoHandlerFactory();

    /**
     * The {@link IoHandle} type that {@link #adopt} returns; used to check that a user's event loop fits.
     *
     * @return the handle type
     */
    Class<? extends IoHandle> handleType();

    /**
     * A cheap type check made on the submitting thread: whether {@link #adopt} understands this kind of object.
     * Objects it does not support are rejected at submission with {@code UnsupportedConnectionException}.
     *
     * @param connection the object a request names, not null
     * @return whether {@link #adopt} can take it over
     */
    boolean supports(Object connection);

    /**
     * A short description of the connection types {@link #supports} accepts, used in error messages,
     * for example {@code "java.nio.channels.SocketChannel or io.netty.channel.socket.nio.NioSocketChannel"}.
     *
     * @return the description
     */
    String supportedTypes();

    /**
     * Takes over a connection on the event loop thread: the first request that names a connection delegates it.
     *
     * @param connection an object for which {@link #supports} returned {@code true}
     * @param listener   where the returned socket reports readiness
     * @return a socket that the engine registers on its event loop
     * @throws IOException when the connection cannot be taken over, for example because it is already closed
     */
    TransportSocket adopt(Object connection, ReadinessListener listener) throws IOException;

    /**
     * Opens a listening socket: creates it, sets SO_REUSEADDR and SO_REUSEPORT as asked, binds and listens. Called
     * on the thread that opens the watcher's listener; the engine then registers the returned listener with its
     * event loop.
     *
     * @param address      where to listen; port 0 lets the kernel choose
     * @param backlog      the most connections the kernel queues before they are accepted
     * @param reuseAddress SO_REUSEADDR
     * @param reusePort    SO_REUSEPORT, so that several listeners with it set can share the address and port
     * @param listener     where the listener reports that connections may be waiting
     * @return the listener, bound and listening, not yet registered
     * @throws IOException when the socket cannot be created, bound or put to listen ({@link java.net.BindException}
     *                     when the address is in use or not local)
     */
    TransportListener listen(InetSocketAddress address, int backlog, boolean reuseAddress, boolean reusePort,
                             ReadinessListener listener) throws IOException;

    /**
     * Creates a non-blocking TCP socket of the address family of {@code remote}, neither bound nor connected; the
     * engine sets its options, binds it if asked, registers it with its event loop, then calls
     * {@link TransportSocket#connect}. Called on the event loop thread.
     *
     * @param remote   the address it will connect to
     * @param listener where the socket reports readiness
     * @return the socket
     * @throws IOException when no socket can be created, for example at the descriptor limit (EMFILE)
     */
    TransportSocket newSocket(InetSocketAddress remote, ReadinessListener listener) throws IOException;
}
