package io.gaio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.util.Objects;

/**
 * A TCP connection the watcher owns from the start: accepted on one of its {@link Listener}s or opened by
 * {@link Watcher#connect}. It takes every request a delegated connection takes (reads, writes, deadlines,
 * {@code shutdownOutput}, {@code free}), on the watcher that made it only, and it carries the engine's state for the
 * connection itself, so no lookup is made per request.
 *
 * <p>A connection dropped without {@link Watcher#free} is closed by the watcher once it is garbage collected, like a
 * delegated one (while a request is pending on it, the request keeps it reachable). Its addresses and socket options
 * can be read and set from any thread; each such call runs on the watcher's event loop and waits for it.
 */
public final class Connection {
    final Conn state;
    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;

    Connection(Conn state, InetSocketAddress remote) {
        this.state = state;
        this.remote = remote;
    }

    /**
     * The local address: where it was accepted, or where the connect bound it.
     *
     * @return the address; {@code null} until a connect has completed (NIO cannot tell it before, so no transport
     *         does), or when the connection was closed before the address was first asked for
     */
    public InetSocketAddress localAddress() {
        InetSocketAddress a = local;
        if (a == null) {
            a = LoopCalls.addressOf(state, true);
            local = a;
        }
        return a;
    }

    /**
     * The peer's address: the connect's target, or where an accepted connection came from.
     *
     * @return the address; {@code null} when an accepted connection was closed before the address was first asked
     *         for
     */
    public InetSocketAddress remoteAddress() {
        InetSocketAddress a = remote;
        if (a == null) {
            a = LoopCalls.addressOf(state, false);
            remote = a;
        }
        return a;
    }

    /**
     * Reads a socket option.
     *
     * @param option the option, for example {@code StandardSocketOptions.TCP_NODELAY}
     * @param <T>    its type
     * @return its value
     * @throws IOException                   when the connection is closed or not connected yet, or the socket fails
     * @throws UnsupportedOperationException when the transport does not support the option
     */
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return LoopCalls.getOption(state, option);
    }

    /**
     * Sets a socket option. To set one before a connect starts, use {@link ConnectOptions#option}; on accepted
     * connections, {@link ListenOptions#option}.
     *
     * @param option the option, for example {@code StandardSocketOptions.TCP_NODELAY}
     * @param value  its value
     * @param <T>    its type
     * @return this connection
     * @throws IOException                   when the connection is closed or not connected yet, or the socket fails
     * @throws UnsupportedOperationException when the transport does not support the option
     */
    public <T> Connection setOption(SocketOption<T> option, T value) throws IOException {
        LoopCalls.setOption(state, option, value);
        return this;
    }

    /**
     * What the connection's layer tells about it, as {@code type}: with gaio-tls,
     * {@code c.layer(TlsHandshake.class)} gives the TLS protocol, cipher suite, ALPN protocol and the peer's
     * certificates once the handshake is over. Asked on the watcher's event loop, like {@link #getOption}; also after
     * the connection was closed.
     *
     * @param type what to ask for
     * @param <T>  its type
     * @return the answer; {@code null} without a layer, when the layer has nothing of that type, or before it knows
     *         (a TLS handshake still under way: it is over once a read or write of the connection has completed)
     */
    public <T> T layer(Class<T> type) {
        return LoopCalls.describe(state, Objects.requireNonNull(type, "type"));
    }

    /**
     * Whether the watcher still has the socket open: {@code false} after {@code free}, a failed connect, or the
     * watcher's close.
     *
     * @return whether the connection is open
     */
    public boolean isOpen() {
        return !state.closed && !state.engine.isClosed();
    }

    @Override
    public String toString() {
        InetSocketAddress l = local;
        InetSocketAddress r = remote;
        return "Connection(" + (l == null ? "?" : l) + " -> " + (r == null ? "?" : r) + (state.closed ? ", closed)"
                : ")");
    }
}
