package io.gaio;

import io.gaio.spi.LayeredSocket;
import io.gaio.spi.ReadinessListener;
import io.gaio.spi.SocketLayer;
import io.gaio.spi.TransportProvider;
import io.gaio.spi.TransportSocket;
import io.netty.channel.IoEventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Watcher#connect(Object, InetSocketAddress, ConnectOptions)} connects: a local address to bind, a
 * timeout, and socket options set before the connect starts. Mutable; the watcher copies the settings at submission.
 * <pre>{@code
 * Connection c = watcher.connect(ctx, server, ConnectOptions.defaults()
 *         .localAddress(new InetSocketAddress("127.0.0.2", 0))
 *         .timeout(Duration.ofSeconds(5))
 *         .option(StandardSocketOptions.TCP_NODELAY, true));
 * }</pre>
 */
public final class ConnectOptions {
    InetSocketAddress localAddress;
    Duration timeout;
    SocketLayer layer;
    final SocketOptionList options;

    private ConnectOptions(SocketOptionList options) {
        this.options = options;
    }

    /**
     * No local address (the kernel picks one), no timeout beyond the kernel's own, no socket options.
     *
     * @return new options
     */
    public static ConnectOptions defaults() {
        return new ConnectOptions(new SocketOptionList());
    }

    /**
     * Binds the socket to this local address before connecting, for example to pick the source address.
     *
     * @param local the local address; port 0 lets the kernel choose the port
     * @return these options
     */
    public ConnectOptions localAddress(InetSocketAddress local) {
        this.localAddress = Objects.requireNonNull(local, "local");
        return this;
    }

    /**
     * Ends the connect with {@link DeadlineExceededException} when it has not completed within {@code timeout}.
     *
     * @param timeout how long the connect may take, from submission
     * @return these options
     */
    public ConnectOptions timeout(Duration timeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * A socket option set before the connect starts, for example {@code StandardSocketOptions.TCP_NODELAY}.
     * Transports support TCP_NODELAY, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_LINGER and IP_TOS.
     *
     * @param option the option
     * @param value  its value
     * @param <T>    the option's type
     * @return these options
     */
    public <T> ConnectOptions option(SocketOption<T> option, T value) {
        options.add(option, value);
        return this;
    }

    /**
     * A protocol layered over the connection, for example TLS: {@code gaio-tls}'s {@code TlsLayer.of(sslContext)}.
     * The connect completes when the TCP connection is established; reads and writes then move the layer's
     * plaintext.
     *
     * @param layer the layer
     * @return these options
     */
    public ConnectOptions layer(SocketLayer layer) {
        this.layer = Objects.requireNonNull(layer, "layer");
        return this;
    }

    /** A new socket to connect to {@code remote}, wrapped in the layer if there is one. */
    TransportSocket newSocket(TransportProvider transport, InetSocketAddress remote, ReadinessListener conn,
                              IoEventLoop loop) throws IOException {
        if (layer == null) {
            return transport.newSocket(remote, conn);
        }
        LayeredSocket layered = layer.newSocket(conn, remote, loop);
        return ListenOptions.wrap(layered, transport.newSocket(remote, layered));
    }

    ConnectOptions copy() {
        ConnectOptions c = new ConnectOptions(new SocketOptionList(options));
        c.localAddress = localAddress;
        c.timeout = timeout;
        c.layer = layer;
        return c;
    }

    @Override
    public String toString() {
        return "ConnectOptions{localAddress=" + localAddress + ", timeout=" + timeout + ", options=" + options + (layer != null ? ", layer=" + layer : "") + '}';
    }
}
