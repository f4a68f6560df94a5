package io.gaio.spi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;

/**
 * One delegated connection as a transport sees it: a Netty {@link IoHandle} that forwards readiness to its
 * {@link ReadinessListener}, plus reads and writes.
 *
 * <p>All methods are called on the event loop thread the socket is registered with. Reads and writes never block
 * and never move the buffers' reader or writer indexes: the engine does that.
 *
 * <p><b>Readiness and completion.</b> A readiness-based transport (epoll, kqueue, NIO) does every read and write at
 * once and returns {@code 0} when the socket would block; it then reports readiness when trying again may succeed.
 * A completion-based transport (io_uring) may instead <em>start</em> a read or write in the buffers' memory and
 * return {@link #IN_FLIGHT}: the buffers are then lent to it, and the engine neither hands them back to the caller
 * nor starts another operation in that direction until the transport reports readiness in that direction and the
 * same call, with the same buffers, returns the outcome instead of {@code IN_FLIGHT}. An operation ended by
 * {@link #cancel} or {@link #close()} before it moved any bytes returns {@code 0}. Readiness-based transports never
 * return {@code IN_FLIGHT}, and for them the engine's extra calls cost nothing: the same engine serves both.
 *
 * <p>Life cycle: the engine registers the socket with its event loop, hands it the registration through
 * {@link #attach}, for a socket of {@link TransportProvider#newSocket} calls {@link #connect} and, after writable
 * readiness, {@link #finishConnect} until the connection is established, then calls {@link #interest}, {@link #read}, {@link #submitRead} and {@link #write} until it calls
 * {@link #close()}, which cancels the registration and releases the socket's descriptor. After {@code close()} the
 * engine calls {@code submitRead} and {@code write} only to collect operations still in flight.
 */
public interface TransportSocket extends IoHandle {

    /**
     * Returned by {@link #submitRead} and {@link #write}: the operation was started and its buffers are lent to the
     * transport until it reports readiness in that direction and the same call returns the outcome.
     */
    int IN_FLIGHT = -2;

    /**
     * Called once, right after registration.
     *
     * @param registration the registration the socket uses for interest changes and to cancel
     */
    void attach(IoRegistration registration);

    /**
     * The handle the engine registers with the event loop: this socket, or the transport's socket under a
     * {@link LayeredSocket}.
     *
     * @return the handle to register
     */
    default IoHandle ioHandle() {
        return this;
    }

    /**
     * Which readiness the engine is waiting for. Edge-triggered transports, which watch both directions from
     * registration to close, may ignore this; level-triggered ones must watch exactly these directions so that an
     * idle connection never wakes the loop.
     *
     * @param read  whether a read is pending
     * @param write whether a write is pending
     */
    void interest(boolean read, boolean write);

    /**
     * Reads now into {@code dst} from its writer index, at most {@code dst.writableBytes()} bytes, without moving the
     * index. Never keeps {@code dst}: the engine passes slots of its shared swap buffers here, which must not be held
     * by an idle connection.
     *
     * @param dst the buffer to read into
     * @return the number of bytes read; {@code 0} when the read would block (readiness follows when bytes may be
     *         there); {@code -1} at the end of the stream
     * @throws IOException the socket's error, for example a connection reset
     */
    int read(ByteBuf dst) throws IOException;

    /**
     * Reads into {@code dst}, a buffer that belongs to one request alone, like {@link #read}; a completion-based
     * transport may start the read into {@code dst}'s memory and return {@link #IN_FLIGHT}. Called again with the
     * same buffer after readable readiness, it returns the outcome, or {@code IN_FLIGHT} while the read goes on.
     * The default reads at once.
     *
     * @param dst the buffer to read into
     * @return the number of bytes read; {@code 0} when the read would block, or when a cancelled read moved nothing;
     *         {@code -1} at the end of the stream; or {@link #IN_FLIGHT}
     * @throws IOException the socket's error, for example a connection reset
     */
    default int submitRead(ByteBuf dst) throws IOException {
        return read(dst);
    }

    /**
     * Writes the readable bytes of {@code srcs[0..count)} in order, as far as the socket accepts them without
     * blocking, without moving the buffers' reader indexes.
     *
     * <p>A completion-based transport may start writing a prefix of them from their memory and return
     * {@link #IN_FLIGHT}; the engine then calls again, after writable readiness, with the same {@code count}
     * buffers, and gets the number of bytes that operation wrote.
     *
     * @param srcs  the buffers to write, in order
     * @param count how many of {@code srcs} to write
     * @return the number of bytes written, {@code 0} when the write would block (readiness follows) or when a
     *         cancelled write moved nothing, or {@link #IN_FLIGHT}
     * @throws IOException the socket's error, for example a broken pipe
     */
    long write(ByteBuf[] srcs, int count) throws IOException;

    /**
     * Asks a completion-based transport to end the operations in flight in the given directions soon, for a passed
     * deadline: each still reports readiness when it has ended, with whatever it moved before. Readiness-based
     * transports have nothing in flight; the default does nothing.
     *
     * @param read  cancel the read in flight
     * @param write cancel the write in flight
     */
    default void cancel(boolean read, boolean write) {
    }

    /**
     * Cancels the registration and closes the socket. Idempotent. Also called by Netty when the event loop shuts
     * down with the socket still registered. Operations in flight are cancelled and keep their buffers until they
     * report readiness, as with {@link #cancel}; the registration must last until then.
     */
    @Override
    void close() throws IOException;

    /**
     * Whether this socket, closed, still waits for the transport to give back a buffer the engine does not know of
     * (a layer's ciphertext in flight on a completion-based transport). The engine then keeps a closing watcher's
     * loop for it, as for its own lent requests, and asks again at each readiness. The default: never.
     *
     * @return whether {@link #close()} has not finished with the transport yet
     */
    default boolean isLingering() {
        return false;
    }

    /**
     * Binds a socket from {@link TransportProvider#newSocket} to a local address before it connects.
     *
     * @param local the local address; port 0 lets the kernel choose
     * @throws IOException when binding fails, for example with EADDRINUSE or EADDRNOTAVAIL
     */
    void bind(InetSocketAddress local) throws IOException;

    /**
     * Starts connecting a socket from {@link TransportProvider#newSocket}, without blocking.
     *
     * @param remote where to connect
     * @return {@code true} when the connection was established at once; {@code false} when it is under way, in
     *         which case the socket reports writable readiness (errors count as both) when {@link #finishConnect}
     *         may tell the outcome
     * @throws IOException when the connect fails at once, for example {@link java.net.ConnectException} when
     *                     refused
     */
    boolean connect(InetSocketAddress remote) throws IOException;

    /**
     * Tells the outcome of a connect under way, after readiness.
     *
     * @return {@code true} when connected; {@code false} when still under way (readiness follows)
     * @throws IOException the connect's error, for example {@link java.net.ConnectException} when refused
     */
    boolean finishConnect() throws IOException;

    /**
     * Shuts down the output side: the peer reads the bytes already written, then the end of the stream (a FIN),
     * while this side can still read. Called only when no write is pending or in flight.
     *
     * @throws IOException the socket's error
     */
    void shutdownOutput() throws IOException;

    /**
     * Sets a socket option.
     *
     * @param option the option, one of {@link java.net.StandardSocketOptions}
     * @param value  its value
     * @param <T>    the option's type
     * @throws UnsupportedOperationException when the transport does not support the option
     * @throws IOException                   the socket's error
     */
    <T> void setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * Reads a socket option.
     *
     * @param option the option, one of {@link java.net.StandardSocketOptions}
     * @param <T>    the option's type
     * @return its value
     * @throws UnsupportedOperationException when the transport does not support the option
     * @throws IOException                   the socket's error
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /**
     * The socket's local address.
     *
     * @return the address, or {@code null} when not bound
     * @throws IOException the socket's error
     */
    InetSocketAddress localAddress() throws IOException;

    /**
     * The peer's address.
     *
     * @return the address, or {@code null} when not connected
     * @throws IOException the socket's error
     */
    InetSocketAddress remoteAddress() throws IOException;
}
