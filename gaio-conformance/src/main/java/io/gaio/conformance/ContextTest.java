package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a result carries (rule 10; gaio's TestContext): the user's context unchanged (the very object, null
 * included), the very connection object submitted, the operation, the caller's own buffer with its index moved by
 * {@code size} or a swap-buffer slice of exactly {@code size} bytes; a batch holds every completion available, and
 * {@code waitIO} returns an empty batch on timeout and can be interrupted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContextTest extends TransportTestBase {

    /** Distinct contexts on reads and writes of several connections come back as the very objects submitted. */
    @Test
    void contextsComeBackUnchanged() throws Exception {
        Object shared = new Object();
        Object[] contexts = {null, "text", 42, shared, shared, new StringBuilder("mutable"), new int[] {1}, 'c'};
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(contexts.length);
            for (int i = 0; i < contexts.length; i++) {
                ByteBuf out = bufferOf(new byte[] {(byte) i});
                buffers.add(out);
                w.write(contexts[i], pairs.get(i).server, out);
                w.read(contexts[contexts.length - 1 - i], pairs.get(i).server, null);
                sendAll(pairs.get(i).client, new byte[] {(byte) i});
            }
            List<OpResult> results = awaitResults(w, 2 * contexts.length);
            boolean[] readSeen = new boolean[contexts.length];
            boolean[] writeSeen = new boolean[contexts.length];
            for (OpResult r : results) {
                int i = indexOf(pairs, r.connection());
                assertTrue(i >= 0, () -> "a result names a connection that was never submitted: " + r);
                assertSuccess(r);
                if (r.operation() == Operation.WRITE) {
                    assertFalse(writeSeen[i]);
                    writeSeen[i] = true;
                    assertSame(contexts[i], r.context(), "context of the write on connection " + i);
                } else {
                    assertFalse(readSeen[i]);
                    readSeen[i] = true;
                    assertSame(contexts[contexts.length - 1 - i], r.context(), "context of the read " + i);
                }
            }
        } finally {
            releaseQuietly(buffers);
        }
    }

    private static int indexOf(List<Loopback.Pair> pairs, Object connection) {
        for (int i = 0; i < pairs.size(); i++) {
            if (pairs.get(i).server == connection) {
                return i;
            }
        }
        return -1;
    }

    /** A read into the caller's buffer and a write: the caller's buffer, its index moved by size. */
    @Test
    void resultFieldsForCallerBuffers() throws Exception {
        byte[] data = randomBytes(300, 70);
        ByteBuf in = directBuffer(300);
        ByteBuf out = bufferOf(data);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, data);
            w.readFull("in", p.server, in, null);
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "in", p.server);
            assertSuccess(r);
            assertSame(in, r.buffer());
            assertFalse(r.isSwapBuffer());
            assertEquals(300, r.size());
            assertEquals(300, in.writerIndex());
            assertArrayEquals(data, readable(in));

            w.write("out", p.server, out);
            OpResult wr = awaitResult(w);
            assertCompletes(wr, Operation.WRITE, "out", p.server);
            assertSuccess(wr);
            assertSame(out, wr.buffer());
            assertFalse(wr.isSwapBuffer());
            assertEquals(300, wr.size());
            assertEquals(300, out.readerIndex());
            assertArrayEquals(data, readExactly(p.client, 300, WAIT));
        } finally {
            in.release();
            out.release();
        }
    }

    /** A swap-buffer read: a slice of exactly size bytes holding what arrived, flagged as the swap buffer. */
    @Test
    void resultFieldsForSwapBuffer() throws Exception {
        byte[] data = randomBytes(300, 71);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, data);
            Object ctx = new Object();
            byte[][] got = new byte[1][];
            w.read(ctx, p.server, null);
            collect(w, 1, WAIT, r -> {
                assertCompletes(r, Operation.READ, ctx, p.server);
                assertSuccess(r);
                assertTrue(r.isSwapBuffer());
                assertEquals(r.size(), r.buffer().readableBytes());
                got[0] = readable(r.buffer());
            });
            assertTrue(got[0].length > 0 && got[0].length <= data.length);
            assertArrayEquals(Arrays.copyOf(data, got[0].length), got[0]);
        }
    }

    /** A thread blocked in {@code waitIO()} can be interrupted; the watcher goes on working. */
    @Test
    void waitIOIsInterruptible() throws Exception {
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    outcome.complete(new AssertionError("waitIO() returned " + w.waitIO()));
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            }, "interrupted-waitIO");
            waiter.setDaemon(true);
            waiter.start();
            Thread.sleep(200);
            waiter.interrupt();
            assertInstanceOf(InterruptedException.class, outcome.get(10, TimeUnit.SECONDS));
            waiter.join(10_000);
            sendAll(p.client, new byte[] {1});
            w.read("after", p.server, null);
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "after", p.server);
            assertSuccess(r);
        }
    }

    /** Completions that are all available when {@code waitIO()} is called come back as one batch. */
    @Test
    void oneBatchHoldsEverythingAvailable() throws Exception {
        int n = 32;
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(n);
            for (int i = 0; i < n; i++) {
                ByteBuf out = bufferOf(new byte[] {(byte) i});
                buffers.add(out);
                w.write(i, pairs.get(i).server, out);
            }
            Thread.sleep(1000); // every small write is done long before this
            List<OpResult> batch = w.waitIO(WAIT);
            assertEquals(n, batch.size(), "completions in the first batch");
            assertNoCompletion(w, Duration.ofMillis(100));
            assertTrue(w.waitIO(Duration.ofMillis(50)).isEmpty(), "waitIO(timeout) returns an empty batch");
        } finally {
            releaseQuietly(buffers);
        }
    }
}
