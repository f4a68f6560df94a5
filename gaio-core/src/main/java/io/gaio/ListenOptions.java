package io.gaio;

import io.gaio.spi.LayeredSocket;
import io.gaio.spi.ReadinessListener;
import io.gaio.spi.SocketLayer;
import io.gaio.spi.TransportListener;
import io.gaio.spi.TransportSocket;
import io.netty.channel.IoEventLoop;
import java.io.IOException;
import java.net.SocketOption;
import java.util.Objects;

/**
 * How a {@link Listener} listens, and the socket options every connection it accepts gets. Mutable; the watcher
 * copies the settings when it opens the listener.
 * <pre>{@code
 * Listener l = watcher.listen(new InetSocketAddress("0.0.0.0", 9000), ListenOptions.defaults()
 *         .backlog(4096)
 *         .reusePort(true)                                   // one watcher per core, one listener each
 *         .option(StandardSocketOptions.TCP_NODELAY, true)); // set on every accepted connection
 * }</pre>
 */
public final class ListenOptions {
    /** The default backlog, 1024; Linux caps it at {@code net.core.somaxconn}. */
    public static final int DEFAULT_BACKLOG = 1024;

    int backlog = DEFAULT_BACKLOG;
    boolean reuseAddress = true;
    boolean reusePort;
    SocketLayer layer;
    final SocketOptionList accepted;

    private ListenOptions(SocketOptionList accepted) {
        this.accepted = accepted;
    }

    /**
     * Backlog {@value #DEFAULT_BACKLOG}, SO_REUSEADDR on, SO_REUSEPORT off, no options for accepted sockets.
     *
     * @return new options
     */
    public static ListenOptions defaults() {
        return new ListenOptions(new SocketOptionList());
    }

    /**
     * The most connections the kernel queues before they are accepted.
     *
     * @param backlog at least 1
     * @return these options
     */
    public ListenOptions backlog(int backlog) {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be at least 1, got " + backlog);
        }
        this.backlog = backlog;
        return this;
    }

    /**
     * SO_REUSEADDR: listen again on a port whose earlier connections are still in TIME_WAIT. On by default.
     *
     * @param on whether to set it
     * @return these options
     */
    public ListenOptions reuseAddress(boolean on) {
        this.reuseAddress = on;
        return this;
    }

    /**
     * SO_REUSEPORT: several listeners (of one watcher or several, in one process or several) listen on the same
     * address and port, and the kernel spreads incoming connections over them. Every one of them must set it.
     *
     * @param on whether to set it
     * @return these options
     */
    public ListenOptions reusePort(boolean on) {
        this.reusePort = on;
        return this;
    }

    /**
     * A socket option set on every accepted connection before its accept completes, for example
     * {@code StandardSocketOptions.TCP_NODELAY}. Transports support TCP_NODELAY, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF,
     * SO_LINGER and IP_TOS.
     *
     * @param option the option
     * @param value  its value
     * @param <T>    the option's type
     * @return these options
     */
    public <T> ListenOptions option(SocketOption<T> option, T value) {
        accepted.add(option, value);
        return this;
    }

    /**
     * A protocol layered over every accepted connection, for example TLS: {@code gaio-tls}'s
     * {@code TlsLayer.of(sslContext)}. Reads and writes on the connections then move the layer's plaintext.
     *
     * @param layer the layer
     * @return these options
     */
    public ListenOptions layer(SocketLayer layer) {
        this.layer = Objects.requireNonNull(layer, "layer");
        return this;
    }

    /** Accepts one connection from {@code listener}, wrapped in the layer if there is one; null when none waits. */
    TransportSocket accept(TransportListener listener, ReadinessListener conn, IoEventLoop loop) throws IOException {
        if (layer == null) {
            return listener.accept(conn);
        }
        LayeredSocket layered = layer.newSocket(conn, null, loop);
        TransportSocket accepted = listener.accept(layered);
        if (accepted == null) {
            return null;
        }
        return wrap(layered, accepted);
    }

    /** Has {@code layered} wrap {@code socket}; a layer that fails (no SSLEngine...) must not leak the socket. */
    static TransportSocket wrap(LayeredSocket layered, TransportSocket socket) {
        try {
            layered.wrap(socket);
            return layered;
        } catch (RuntimeException e) {
            try {
                socket.close();
            } catch (IOException | RuntimeException closeFailed) {
                e.addSuppressed(closeFailed);
            }
            throw e;
        }
    }

    ListenOptions copy() {
        ListenOptions c = new ListenOptions(new SocketOptionList(accepted));
        c.backlog = backlog;
        c.reuseAddress = reuseAddress;
        c.reusePort = reusePort;
        c.layer = layer;
        return c;
    }

    @Override
    public String toString() {
        return "ListenOptions{backlog=" + backlog + ", reuseAddress=" + reuseAddress + ", reusePort=" + reusePort
                + ", accepted=" + accepted + (layer != null ? ", layer=" + layer : "") + '}';
    }
}
