package io.gaio.tls;

import io.gaio.spi.LayeredSocket;
import io.gaio.spi.ReadinessListener;
import io.gaio.spi.SocketLayer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * TLS over a watcher's own connections, as a {@link SocketLayer}: a server {@link SslContext} on a listener, a client
 * one on connects.
 * <pre>{@code
 * SslContext server = SslContextBuilder.forServer(key, chain).build();
 * Listener l = w.listen(address, ListenOptions.defaults().layer(TlsLayer.of(server)));
 *
 * SslContext client = SslContextBuilder.forClient().trustManager(ca).build();
 * Connection c = w.connect(null, address, ConnectOptions.defaults().layer(TlsLayer.of(client)));
 * }</pre>
 *
 * <p>Requests keep every rule of plain connections: reads complete with plaintext (into the caller's buffer or a swap
 * slice), writes take plaintext and complete once their records are handed to the kernel, each request completes
 * once, in order per direction, with deadlines. The handshake starts when the connection is accepted or connected
 * and runs on the event loop (the JDK provider's delegated tasks too); requests submitted meanwhile wait for it. A
 * failed handshake ends the connection's requests with the {@link javax.net.ssl.SSLException}. Nothing is decrypted
 * unless a read is pending: at most one record's plaintext waits beyond the read that asked for it, and an idle
 * connection holds no buffer. TLS 1.2 renegotiation is refused (an {@code SSLException}); TLS 1.3 key updates are
 * answered. A peer's close_notify is the end of the stream ({@link java.io.EOFException}); a TCP end without
 * close_notify fails the read with an {@code SSLException} that says the data may be truncated. {@code free} and
 * {@code shutdownOutput} send close_notify first. ALPN and every other setting come from the {@code SslContext};
 * what the handshake settled is {@code connection.layer(TlsHandshake.class)}.
 */
public final class TlsLayer implements SocketLayer {
    private final SslContext context;
    private final ByteBufAllocator allocator;

    private TlsLayer(SslContext context, ByteBufAllocator allocator) {
        this.context = Objects.requireNonNull(context, "context");
        this.allocator = Objects.requireNonNull(allocator, "allocator");
    }

    /**
     * TLS with {@code context}, buffers from Netty's pooled allocator.
     *
     * @param context a server context for listeners, a client context for connects
     * @return the layer
     */
    public static TlsLayer of(SslContext context) {
        return of(context, PooledByteBufAllocator.DEFAULT);
    }

    /**
     * TLS with {@code context} and {@code allocator} for the SSLEngine and the record buffers.
     *
     * @param context   a server context for listeners, a client context for connects
     * @param allocator where record buffers come from
     * @return the layer
     */
    public static TlsLayer of(SslContext context, ByteBufAllocator allocator) {
        return new TlsLayer(context, allocator);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when the context's side does not fit: a client context on a listener, or a server
     *                               context on a connect
     */
    @Override
    public LayeredSocket newSocket(ReadinessListener listener, InetSocketAddress remote, IoEventLoop loop) {
        boolean connecting = remote != null;
        if (connecting != context.isClient()) {
            throw new IllegalStateException(connecting
                    ? "a TLS connect needs a client SslContext (SslContextBuilder.forClient())"
                    : "a TLS listener needs a server SslContext (SslContextBuilder.forServer(...))");
        }
        return new TlsSocket(context, allocator, listener, remote, loop);
    }

    @Override
    public String toString() {
        return "TLS(" + (context.isClient() ? "client" : "server") + ')';
    }
}
