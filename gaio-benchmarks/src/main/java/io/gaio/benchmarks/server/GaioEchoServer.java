package io.gaio.benchmarks.server;

import io.gaio.Watcher;
import io.gaio.tls.TlsLayer;
import io.netty.handler.ssl.SslContext;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * gaio's echo server, the one of gaio-examples ({@link io.gaio.examples.EchoServer}: the watcher listens with accepts
 * kept pending, a {@code waitIO()} thread turns each accept into a read, each read into a write and the next read,
 * and the watcher's event loop does the I/O; or, on the loop, a completion handler doing the same), on its own
 * watcher, with a close that lets the connections end first.
 *
 * <p>With {@code bufferSize == 0} reads land in the watcher's swap buffer; the slice is retained for the write and
 * released when it completes, so an idle connection holds no buffer; the next read goes with the write, up to two
 * writes pending per connection. With {@code bufferSize > 0} every connection
 * owns a pooled direct buffer of that size, read into and written from, the way a caller-buffer user would do it.
 */
public final class GaioEchoServer implements EchoServer {
    /** How long close() waits for the connections to end before it closes the watcher under them. */
    private static final long CLOSE_GRACE_MILLIS = 2000;

    private final io.gaio.examples.EchoServer server;
    /** gaio-tls's layer on the listener, or null for plain TCP. */
    private final TlsLayer tls;

    /**
     * A server on its own watcher.
     *
     * @param transport  the gaio transport, e.g. {@code epoll} or {@code nio}
     * @param bufferSize 0 to read into the swap buffer, else the size of each connection's own buffer
     * @param onLoop     echo on the event loop through a completion handler instead of a {@code waitIO()} thread
     */
    public GaioEchoServer(String transport, int bufferSize, boolean onLoop) {
        this(transport, bufferSize, onLoop, null);
    }

    /**
     * The same server over TLS: gaio-tls's {@link TlsLayer} on the listener, so the echo moves plaintext.
     *
     * @param tls a server context ({@link BenchTls#serverContext}), or {@code null} for plain TCP
     */
    public GaioEchoServer(String transport, int bufferSize, boolean onLoop, SslContext tls) {
        this.server = new io.gaio.examples.EchoServer(Watcher.builder().transport(transport), bufferSize, onLoop);
        this.tls = tls == null ? null : TlsLayer.of(tls);
    }

    @Override
    public InetSocketAddress start(InetSocketAddress address) throws IOException {
        return server.start(address, tls);
    }

    @Override
    public long extraDirectMemory() {
        return Math.max(0, PlatformDependent.usedDirectMemory());
    }

    /**
     * Stops accepting, waits a little for the connections to end, then closes the watcher. The wait matters: a
     * closing watcher drops pending requests without completing them, so the swap slices retained for pending
     * writes would never be released.
     */
    @Override
    public void close() {
        server.stopAccepting();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS);
        while (server.openConnections() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.close();
    }

    /** A daemon thread, for the servers that start threads of their own. */
    static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
