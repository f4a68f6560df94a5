package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.DeadlineExceededException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deadlines (rules 2 and 4; gaio's TestDeadline and its 1k … 8k variants): a read that gets nothing and a write that
 * cannot finish complete with {@link DeadlineExceededException} no earlier than their deadline and soon after it,
 * with the bytes moved so far in {@code size}; a request that finishes in time succeeds and never completes again;
 * the connection stays usable after a deadline. Thousands of connections with deadlines all expire.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeadlineTest extends TransportTestBase {
    private static final Duration DEADLINE = Duration.ofMillis(200);
    /** How late a deadline completion may be observed on this busy 2-core machine. */
    private static final Duration LATE = Duration.ofSeconds(5);

    /** A read that gets nothing completes with a deadline error after the deadline; the connection stays usable. */
    @ParameterizedTest(name = "swap buffer: {0}")
    @ValueSource(booleans = {false, true})
    void readDeadlineWithoutData(boolean swap) throws Exception {
        ByteBuf buf = swap ? null : directBuffer(64);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            long start = System.nanoTime();
            w.readTimeout("deadline", p.server, buf, DEADLINE);
            OpResult r = awaitResult(w);
            long elapsed = System.nanoTime() - start;
            assertCompletes(r, Operation.READ, "deadline", p.server);
            assertError(r, DeadlineExceededException.class);
            assertEquals(0, r.size());
            assertInTime(elapsed, DEADLINE, LATE);
            assertNoCompletion(w, Duration.ofMillis(300));

            byte[] data = randomBytes(10, 1);
            sendAll(p.client, data);
            w.read("after", p.server, buf);
            OpResult after = awaitResult(w);
            assertSuccess(after);
            assertEquals(10, after.size());
            if (!swap) {
                assertArrayEquals(data, readable(buf));
            }
        } finally {
            releaseQuietly(buf);
        }
    }

    /** Data that arrives before the deadline completes the read successfully, once. */
    @Test
    void readTimeoutGetsDataInTime() throws Exception {
        ByteBuf buf = directBuffer(64);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.readTimeout(1, p.server, buf, Duration.ofSeconds(2));
            assertNoCompletion(w, Duration.ofMillis(100));
            byte[] data = randomBytes(20, 2);
            sendAll(p.client, data);
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, 1, p.server);
            assertSuccess(r);
            assertArrayEquals(data, readable(buf));
            // The deadline of a completed request must not fire later.
            assertNoCompletion(w, Duration.ofMillis(2500));
        } finally {
            buf.release();
        }
    }

    /** A readFull that got part of its bytes reports them with the deadline error, and they are in the buffer. */
    @Test
    void readFullDeadlineReportsPartialSize() throws Exception {
        ByteBuf buf = directBuffer(1000);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            byte[] part = randomBytes(300, 3);
            sendAll(p.client, part);
            long start = System.nanoTime();
            w.readFull(2, p.server, buf, DEADLINE);
            OpResult r = awaitResult(w);
            long elapsed = System.nanoTime() - start;
            assertCompletes(r, Operation.READ, 2, p.server);
            assertError(r, DeadlineExceededException.class);
            assertEquals(300, r.size(), "bytes read before the deadline");
            assertArrayEquals(part, readable(buf));
            assertInTime(elapsed, DEADLINE, LATE);
        } finally {
            buf.release();
        }
    }

    /**
     * A write to a peer that never reads cannot finish: it completes with a deadline error after the deadline,
     * having written less than everything.
     */
    @Test
    void writeDeadlineWhenPeerDoesNotRead() throws Exception {
        int total = 32 * 1024 * 1024;
        ByteBuf buf = directBuffer(total).writeZero(total);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(smallReceiveBuffer());
             Watcher w = newWatcher()) {
            p.server.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
            long start = System.nanoTime();
            w.writeTimeout(3, p.server, buf, Duration.ofMillis(300));
            OpResult r = awaitResult(w);
            long elapsed = System.nanoTime() - start;
            assertCompletes(r, Operation.WRITE, 3, p.server);
            assertError(r, DeadlineExceededException.class);
            assertTrue(r.size() < total, () -> "wrote " + r.size() + " of " + total + " bytes to a peer that reads nothing");
            assertEquals(r.size(), buf.readerIndex(), "the buffer's reader index moved by the bytes written");
            assertInTime(elapsed, Duration.ofMillis(300), LATE);
        } finally {
            buf.release();
        }
    }

    /** A write that can finish in time succeeds, and its deadline never fires afterwards. */
    @Test
    void writeTimeoutInTimeSucceeds() throws Exception {
        byte[] data = randomBytes(100_000, 4);
        ByteBuf buf = bufferOf(data);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.writeTimeout(4, p.server, buf, Duration.ofSeconds(2));
            assertArrayEquals(data, readExactly(p.client, data.length, WAIT));
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.WRITE, 4, p.server);
            assertSuccess(r);
            assertEquals(data.length, r.size());
            assertNoCompletion(w, Duration.ofMillis(2500));
        } finally {
            buf.release();
        }
    }

    /**
     * A read with a short deadline queued behind a read without one expires on its own; the first read then still
     * gets the data.
     */
    @Test
    void queuedReadExpiresBehindAPendingOne() throws Exception {
        ByteBuf first = directBuffer(64);
        ByteBuf second = directBuffer(64);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.read("first", p.server, first);
            w.readTimeout("second", p.server, second, DEADLINE);
            OpResult expired = awaitResult(w);
            assertCompletes(expired, Operation.READ, "second", p.server);
            assertError(expired, DeadlineExceededException.class);
            sendAll(p.client, new byte[] {7});
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "first", p.server);
            assertSuccess(r);
            assertEquals(1, r.size());
        } finally {
            first.release();
            second.release();
        }
    }

    /**
     * Thousands of connections, each with a 200 ms read deadline and no data: every read completes exactly once with
     * a deadline error, none before its deadline. A count the descriptor limit does not hold runs with as many
     * connections as fit ({@link #connectionsThatFit}).
     */
    @ParameterizedTest(name = "{0} connections")
    @ValueSource(ints = {1024, 4096, 8192})
    void readDeadlinesOnManyConnections(int connections) throws Exception {
        int n = connectionsThatFit(connections, 2, connections + " read deadlines");
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(n);
            long[] submitted = new long[n];
            for (int i = 0; i < n; i++) {
                ByteBuf buf = i % 2 == 0 ? null : directBuffer(16); // half swap-buffer reads
                if (buf != null) {
                    buffers.add(buf);
                }
                submitted[i] = System.nanoTime();
                w.readTimeout(i, pairs.get(i).server, buf, DEADLINE);
            }
            BitSet done = new BitSet(n);
            List<Loopback.Pair> all = pairs;
            collect(w, n, WAIT, r -> {
                long now = System.nanoTime();
                int i = (Integer) r.context();
                assertCompletes(r, Operation.READ, r.context(), all.get(i).server);
                assertTrue(!done.get(i), () -> "read " + i + " completed twice");
                done.set(i);
                assertError(r, DeadlineExceededException.class);
                assertEquals(0, r.size());
                assertInTime(now - submitted[i], DEADLINE, Duration.ofSeconds(15));
            });
            assertNoCompletion(w, Duration.ofMillis(200));
        } finally {
            releaseQuietly(buffers);
        }
    }

    /** 64 connections whose peers never read, each with a 1 MiB write and a 300 ms deadline: all expire. */
    @Test
    void writeDeadlinesOnManyConnections() throws Exception {
        int n = 64;
        int size = 1024 * 1024;
        ByteBuf shared = directBuffer(size).writeZero(size);
        List<ByteBuf> writes = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(n, smallReceiveBuffer());
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                pairs.get(i).server.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
                ByteBuf b = shared.retainedDuplicate();
                writes.add(b);
                w.writeTimeout(i, pairs.get(i).server, b, Duration.ofMillis(300));
            }
            BitSet done = new BitSet(n);
            collect(w, n, WAIT, r -> {
                int i = (Integer) r.context();
                assertTrue(!done.get(i), () -> "write " + i + " completed twice");
                done.set(i);
                assertError(r, DeadlineExceededException.class);
                assertTrue(r.size() < size, () -> "write " + i + " wrote everything to a peer that reads nothing");
            });
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos(), "completed before the deadline");
        } finally {
            releaseQuietly(writes);
            shared.release();
        }
    }

    /** A client socket option setter: a small receive buffer, so that a peer that does not read fills up soon. */
    static Loopback.SocketSetup smallReceiveBuffer() {
        return ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
    }

    /** The request ended no earlier than its deadline and not much later. */
    static void assertInTime(long elapsedNanos, Duration deadline, Duration late) {
        assertTrue(elapsedNanos >= deadline.toNanos() - TimeUnit.MILLISECONDS.toNanos(1),
                () -> "completed after " + TimeUnit.NANOSECONDS.toMillis(elapsedNanos) + " ms, before its "
                        + deadline.toMillis() + " ms deadline");
        assertTrue(elapsedNanos <= deadline.plus(late).toNanos(),
                () -> "completed only after " + TimeUnit.NANOSECONDS.toMillis(elapsedNanos) + " ms, deadline "
                        + deadline.toMillis() + " ms");
    }
}
