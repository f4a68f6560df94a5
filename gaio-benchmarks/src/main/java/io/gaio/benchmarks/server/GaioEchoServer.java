package io.gaio.benchmarks.server;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * gaio's echo server: an acceptor thread hands each connection to the watcher with its first read, and one thread
 * collects completions with {@code waitIO()} and turns each read into a write and each write into the next read.
 * The watcher's event loop is the third thread; gaio's design has no place for accepting on it.
 *
 * <p>With {@code bufferSize == 0} reads land in the watcher's swap buffer; the slice is retained for the write and
 * released when it completes, so an idle connection holds no buffer. With {@code bufferSize > 0} every connection
 * owns a pooled direct buffer of that size, read into and written from, the way a caller-buffer user would do it.
 */
public final class GaioEchoServer implements EchoServer {
    /** How long close() waits for the connections to end before it closes the watcher under them. */
    private static final long CLOSE_GRACE_MILLIS = 2000;

    private final Watcher watcher;
    private final int bufferSize;
    /** Connections handed to the watcher and not yet freed. */
    private final AtomicInteger open = new AtomicInteger();
    private ServerSocketChannel listener;

    /**
     * A server on its own watcher.
     *
     * @param transport  the gaio transport, e.g. {@code epoll} or {@code nio}
     * @param bufferSize 0 to read into the swap buffer, else the size of each connection's own buffer
     */
    public GaioEchoServer(String transport, int bufferSize) {
        this.watcher = Watcher.builder().transport(transport).build();
        this.bufferSize = bufferSize;
    }

    @Override
    public InetSocketAddress start(InetSocketAddress address) throws IOException {
        listener = ServerSocketChannel.open().bind(address, BACKLOG);
        daemon(this::acceptLoop, "gaio-echo-acceptor").start();
        daemon(this::echoLoop, "gaio-echo-waitio").start();
        return (InetSocketAddress) listener.getLocalAddress();
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel conn = listener.accept();
                conn.setOption(StandardSocketOptions.TCP_NODELAY, true);
                open.incrementAndGet();
                watcher.read(null, conn, bufferSize == 0
                        ? null : PooledByteBufAllocator.DEFAULT.directBuffer(bufferSize, bufferSize));
            }
        } catch (ClosedChannelException | WatcherClosedException stopped) {
            // close() was called.
        } catch (IOException e) {
            System.err.println("gaio echo server: accept failed: " + e);
        }
    }

    private void echoLoop() {
        try {
            while (true) {
                for (OpResult res : watcher.waitIO()) {
                    if (!res.isSuccess()) {
                        watcher.free(res.connection());
                        open.decrementAndGet();
                        if (res.buffer() != null && !res.isSwapBuffer()) {
                            // This connection's own buffer, or a retained swap slice whose write failed.
                            res.buffer().release();
                        }
                    } else if (res.operation() == Operation.READ) {
                        // A swap slice is valid until the next waitIO(): retain it until its write completes.
                        ByteBuf data = res.isSwapBuffer() ? res.buffer().retain() : res.buffer();
                        watcher.write(null, res.connection(), data);
                    } else if (bufferSize == 0) {
                        res.buffer().release();
                        watcher.read(null, res.connection(), null);
                    } else {
                        watcher.read(null, res.connection(), res.buffer().clear());
                    }
                }
            }
        } catch (WatcherClosedException | InterruptedException stopped) {
            // close() was called.
        }
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
        try {
            if (listener != null) {
                listener.close();
            }
        } catch (IOException ignored) {
            // Closing anyway.
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS);
        while (open.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        watcher.close();
    }

    static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
