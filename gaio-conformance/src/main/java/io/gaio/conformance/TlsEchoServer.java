package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.Connection;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The server side of the TLS tests: accepts {@code connections} connections from a listener and echoes on each (one
 * request at a time: read, then write what came, then read again), into the swap buffer or into a buffer of each
 * connection's own. A connection ends when a request fails (its error is recorded and the connection freed), or after
 * {@code closeAfter} bytes echoed (recorded as {@code null}, freed, which sends close_notify). Results with another
 * context are left to the caller.
 */
final class TlsEchoServer {
    private static final Object CONTEXT = "tls-echo-server";

    private final Watcher watcher;
    private final Listener listener;
    private final boolean swap;
    private final long closeAfter;
    private final Map<Connection, ByteBuf> buffers = new HashMap<>();
    private final Map<Connection, Long> echoed = new HashMap<>();
    private final List<Throwable> endings = new ArrayList<>();
    private int toAccept;

    TlsEchoServer(Watcher watcher, Listener listener, int connections, boolean swap, long closeAfter) {
        this.watcher = watcher;
        this.listener = listener;
        this.swap = swap;
        this.closeAfter = closeAfter;
        this.toAccept = connections;
        watcher.accept(CONTEXT, listener);
    }

    /**
     * Serves until {@code n} connections ended; other results go to {@code other}. Returns how each connection ended,
     * in order: the failed request's error, or null when closed here.
     */
    List<Throwable> serve(int n, Consumer<OpResult> other) throws InterruptedException {
        long deadline = System.nanoTime() + TransportTestBase.WAIT.toNanos();
        while (endings.size() < n) {
            if (System.nanoTime() - deadline > 0) {
                fail("only " + endings.size() + " of " + n + " TLS connections ended within "
                        + TransportTestBase.WAIT + ": " + endings);
            }
            for (OpResult r : watcher.waitIO(Duration.ofMillis(200))) {
                if (!handle(r)) {
                    other.accept(r);
                }
            }
        }
        return endings;
    }

    /** How many connections have ended so far. */
    int ended() {
        return endings.size();
    }

    /** How connection {@code i} (in the order they ended) ended: the error, or null when closed here. */
    Throwable ending(int i) {
        return endings.get(i);
    }

    /** Handles a result of this server; false when it is someone else's. */
    boolean handle(OpResult r) {
        if (r.context() != CONTEXT) {
            return false;
        }
        if (r.operation() == Operation.ACCEPT) {
            if (!r.isSuccess()) {
                fail("accept failed: " + r.error());
            }
            if (--toAccept > 0) {
                watcher.accept(CONTEXT, listener);
            }
            Connection c = (Connection) r.connection();
            if (!swap) {
                buffers.put(c, TransportTestBase.directBuffer(16 * 1024));
            }
            echoed.put(c, 0L);
            read(c);
            return true;
        }
        Connection c = (Connection) r.connection();
        if (!r.isSuccess()) {
            if (r.operation() == Operation.WRITE && swap) {
                r.buffer().release();
            }
            end(c, r.error());
        } else if (r.operation() == Operation.READ) {
            // A swap slice is valid until the next waitIO(): the write keeps its own reference.
            watcher.write(CONTEXT, c, swap ? r.buffer().retain() : r.buffer());
        } else {
            if (swap) {
                r.buffer().release();
            } else {
                r.buffer().clear();
            }
            long total = echoed.merge(c, (long) r.size(), Long::sum);
            if (closeAfter > 0 && total >= closeAfter) {
                end(c, null);
            } else {
                read(c);
            }
        }
        return true;
    }

    private void read(Connection c) {
        watcher.read(CONTEXT, c, swap ? null : buffers.get(c));
    }

    private void end(Connection c, Throwable why) {
        watcher.free(c);
        ByteBuf own = buffers.remove(c);
        if (own != null) {
            own.release();
        }
        endings.add(why);
    }
}
