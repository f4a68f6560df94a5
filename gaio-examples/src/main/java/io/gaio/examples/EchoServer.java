package io.gaio.examples;

import io.gaio.Connection;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.gaio.spi.SocketLayer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * gaio's echo server, in the proactor form: the watcher listens, a fixed number of accepts are kept pending (one
 * resubmitted for each that completes), and one thread collects completions with {@code waitIO()}, turning each
 * accept into a first read and each read into a write and the next read. No thread waits in
 * {@code accept()}: the watcher's event loop accepts, reads and writes, and the {@code waitIO()} thread only decides.
 * Built with {@code onLoop}, the event loop does the echo itself through a {@link io.gaio.CompletionHandler}, and
 * there is no second thread at all.
 *
 * <p>With {@code bufferSize == 0} reads land in the watcher's swap buffer; the slice is retained for the write and
 * released when it completes, so an idle connection holds no buffer at all. The next read is submitted with the
 * write, so a stream is read while the chunk before is written, but never more than {@value #WRITES_IN_FLIGHT}
 * writes wait per connection: past that, the read waits for a write to complete, and a peer that does not read
 * stops being read ({@link Echoes}). With {@code bufferSize > 0} every connection owns a pooled direct buffer of that
 * size, read into and written from in turn, the way a caller-buffer user would do it.
 *
 * <p>The {@code echo-server} command and the demo run it, and so does gaio-benchmarks as its gaio server.
 */
public final class EchoServer implements AutoCloseable {
    /** The backlog of the listening socket: the usual somaxconn, so that a burst of connects is not dropped. */
    public static final int BACKLOG = 4096;
    /** Writes a connection may have pending before its next read waits (swap-buffer reads). */
    static final int WRITES_IN_FLIGHT = 2;

    private final Watcher watcher;
    private final int bufferSize;
    /** Connections accepted and not yet freed. */
    private final AtomicInteger open = new AtomicInteger();
    /** The {@code waitIO()} thread; null when the watcher's event loop runs the echo through a handler. */
    private final Thread echoer;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Listener listener;

    /**
     * A server on {@code watcher}, which it closes when it is closed; a thread collects with {@code waitIO()}.
     *
     * @param watcher    the watcher for every connection
     * @param bufferSize 0 to read into the swap buffer, else the size of each connection's own buffer
     */
    public EchoServer(Watcher watcher, int bufferSize) {
        this.watcher = watcher;
        this.bufferSize = bufferSize;
        this.echoer = daemon(this::echoLoop, "gaio-echo-waitio");
    }

    /**
     * A server on a watcher built from {@code builder}, collecting either with a {@code waitIO()} thread or, with
     * {@code onLoop}, through a {@link io.gaio.CompletionHandler} on the watcher's event loop (no second thread).
     *
     * @param builder    the watcher to build, transport and all
     * @param bufferSize 0 to read into the swap buffer, else the size of each connection's own buffer
     * @param onLoop     echo on the event loop instead of a {@code waitIO()} thread
     */
    public EchoServer(Watcher.Builder builder, int bufferSize, boolean onLoop) {
        this.bufferSize = bufferSize;
        // The handler runs only once start() submitted the accepts, after the watcher field is set.
        this.watcher = onLoop ? builder.completionHandler(batch -> batch.forEach(this::echo)).build() : builder.build();
        this.echoer = onLoop ? null : daemon(this::echoLoop, "gaio-echo-waitio");
    }

    static void main(Options options) throws Exception {
        int bufferSize = options.intValue("buffer", 0);
        boolean onLoop = options.value("collect", "waitio").equals("loop");
        SocketLayer tls = options.serverTls();
        EchoServer server = new EchoServer(options.newWatcherBuilder(), bufferSize, onLoop);
        Watcher watcher = server.watcher;
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        InetSocketAddress address = server.start(
                new InetSocketAddress(options.value("host", "127.0.0.1"), options.intValue("port", 9000)), tls);
        System.out.println("echo server listening on " + address + (tls != null ? " with TLS" : "")
                + " (transport " + watcher.transport()
                + ", " + (bufferSize == 0 ? "swap-buffer reads" : bufferSize + "-byte buffers")
                + (onLoop ? ", echoing on the event loop" : ", echoing on a waitIO() thread") + ")");
        server.join();
    }

    /**
     * Starts listening and serving.
     *
     * @param address where to listen
     * @return the address it listens on (with the port chosen, if port 0 was asked for)
     * @throws IOException when it cannot listen
     */
    public InetSocketAddress start(InetSocketAddress address) throws IOException {
        return start(address, null);
    }

    /**
     * Starts listening and serving, with {@code layer} over every accepted connection: for example TLS,
     * {@code TlsLayer.of(sslContext)}. Reads and writes then move the layer's plaintext; the echo is the same.
     *
     * @param address where to listen
     * @param layer   the layer, or null for plain TCP
     * @return the address it listens on (with the port chosen, if port 0 was asked for)
     * @throws IOException when it cannot listen
     */
    public InetSocketAddress start(InetSocketAddress address, SocketLayer layer) throws IOException {
        listener = Accepts.open(watcher, address, layer);
        if (echoer != null) {
            echoer.start();
        }
        return listener.localAddress();
    }

    /**
     * Connections accepted and not yet ended.
     *
     * @return the count
     */
    public int openConnections() {
        return open.get();
    }

    /** Closes the listener (its pending accepts complete and are not resubmitted); the connections go on. */
    public void stopAccepting() {
        Listener l = listener;
        if (l != null) {
            l.close();
        }
    }

    /**
     * Waits until the server is closed.
     *
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public void join() throws InterruptedException {
        closed.await();
    }

    private void echoLoop() {
        try {
            while (true) {
                for (OpResult res : watcher.waitIO()) {
                    echo(res);
                }
            }
        } catch (WatcherClosedException | InterruptedException stopped) {
            // close() was called, and the batches before this threw handed back every buffer.
        }
    }

    /**
     * Turns an accept into a read, a read into a write and (within the bound) the next read, a write's completion
     * into a read that waited for it; ends a failed connection.
     */
    private void echo(OpResult res) {
        if (res.operation() == Operation.ACCEPT) {
            Connection conn = Accepts.next(watcher, res, "gaio echo server");
            if (conn != null) {
                open.incrementAndGet();
                read(null, conn, bufferSize == 0
                        ? null : PooledByteBufAllocator.DEFAULT.directBuffer(bufferSize, bufferSize));
            }
        } else if (!res.isSuccess()) {
            // EOF or an error: drop the connection and its buffer. A request the watcher's close handed back
            // (WatcherClosedException) only has its buffer to release: the close freed the connection.
            if (Echoes.firstFailure(res.context())) {
                if (!(res.error() instanceof WatcherClosedException)) {
                    watcher.free(res.connection());
                }
                open.decrementAndGet();
            }
            if (res.buffer() != null && !res.isSwapBuffer()) {
                // This connection's own buffer, or a retained swap slice whose write failed.
                res.buffer().release();
            }
        } else if (res.operation() == Operation.READ && bufferSize == 0) {
            // A swap slice is valid until the next waitIO() (or the handler's return): retain it for the write.
            Echoes echoes = Echoes.of(res.context());
            write(echoes, res.connection(), res.buffer().retain());
            if (echoes.writeSubmitted()) {
                read(echoes, res.connection(), null);
            }
        } else if (res.operation() == Operation.READ) {
            write(null, res.connection(), res.buffer());
        } else if (bufferSize == 0) {
            res.buffer().release();
            if (((Echoes) res.context()).writeCompleted()) {
                read(res.context(), res.connection(), null);
            }
        } else {
            read(null, res.connection(), res.buffer().clear());
        }
    }

    /**
     * Submits a write of a buffer this server owns. A submission that throws leaves the buffer with the caller: when
     * {@link #close()} on another thread closed the watcher meanwhile, the buffer (a retained swap slice, say) is
     * released here, else nothing would.
     */
    private void write(Object context, Object conn, ByteBuf buffer) {
        try {
            watcher.write(context, conn, buffer);
        } catch (RuntimeException e) {
            buffer.release();
            throw e;
        }
    }

    /** Submits a read into {@code buffer} (null: the swap buffer), releasing it if the submission throws. */
    private void read(Object context, Object conn, ByteBuf buffer) {
        try {
            watcher.read(context, conn, buffer);
        } catch (RuntimeException e) {
            if (buffer != null) {
                buffer.release();
            }
            throw e;
        }
    }

    /**
     * Stops accepting and closes the watcher with every connection. The close hands back each connection's pending
     * request in a last batch, which the echo thread (or, on the loop, the handler) takes like any other: it releases
     * the connection's buffer or the swap slice retained for a write. Returns once that is done.
     */
    @Override
    public void close() {
        stopAccepting();
        watcher.close();
        if (echoer != null && echoer.isAlive() && echoer != Thread.currentThread()) {
            try {
                echoer.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closed.countDown();
    }

    static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
