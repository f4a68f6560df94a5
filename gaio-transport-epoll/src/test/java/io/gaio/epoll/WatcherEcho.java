package io.gaio.epoll;

import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test helper: an echo server on a watcher (swap-buffer reads, each slice retained and written back), on delegated
 * connections or those a listener accepts, with the connections it served, the ones that ended, and anything that went wrong. One thread runs {@code waitIO()}.
 */
final class WatcherEcho implements AutoCloseable {
    private final Watcher watcher;
    private final Thread thread;
    /** Every connection a request completed for. */
    final Set<Object> served = ConcurrentHashMap.newKeySet();
    /** Connections freed at the end of their stream. */
    final AtomicInteger ended = new AtomicInteger();
    /** What should not have happened. */
    final Queue<String> failures = new ConcurrentLinkedQueue<>();

    WatcherEcho(Watcher watcher, String name) {
        this.watcher = watcher;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts echoing on a connection. */
    void serve(Object connection) {
        watcher.read(null, connection, null);
    }

    /** Serves every connection {@code listener} accepts, until it is closed. */
    void accept(Listener listener) {
        watcher.accept(null, listener);
    }

    private void run() {
        try {
            while (true) {
                for (OpResult r : watcher.waitIO()) {
                    if (r.operation() == Operation.ACCEPT) {
                        if (r.isSuccess()) {
                            serve(r.connection());
                            watcher.accept(null, r.listener());
                        }
                        continue;
                    }
                    served.add(r.connection());
                    if (r.error() != null && r.operation() == Operation.WRITE) {
                        r.buffer().release();
                    }
                    if (r.error() instanceof EOFException) {
                        ended.incrementAndGet();
                        watcher.free(r.connection());
                    } else if (r.error() != null) {
                        failures.add(r.toString());
                        watcher.free(r.connection());
                    } else if (r.operation() == Operation.READ) {
                        // The slice is valid until the next waitIO(): retain it for the write.
                        watcher.write(null, r.connection(), r.buffer().retain());
                    } else {
                        r.buffer().release();
                        watcher.read(null, r.connection(), null);
                    }
                }
            }
        } catch (WatcherClosedException | InterruptedException stopped) {
            // close()
        } catch (RuntimeException e) {
            failures.add(e.toString());
        }
    }

    /** Closes the watcher and waits for the collecting thread. */
    @Override
    public void close() {
        watcher.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends {@code message} on a blocking client and reads back as many bytes. */
    static byte[] roundTrip(SocketChannel client, byte[] message) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(message);
        while (out.hasRemaining()) {
            client.write(out);
        }
        ByteBuffer in = ByteBuffer.allocate(message.length);
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                throw new EOFException("end of stream after " + in.position() + " of " + message.length + " bytes");
            }
        }
        return in.array();
    }
}
