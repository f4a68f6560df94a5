package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.DeadlineExceededException;
import io.gaio.Listener;
import io.gaio.Watcher;
import io.gaio.WatcherMetrics;
import io.netty.buffer.ByteBuf;
import java.io.EOFException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Watcher#metrics()}: a snapshot from any thread that follows what the watcher does: connections and
 * listeners, pending requests by kind, completions, bytes, errors by kind (end of stream, deadline, closed), swap
 * buffers and reads starved for them. The loop publishes its figures without waiting for readers, so the test waits
 * for each expected snapshot rather than expecting it at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsTest extends TransportTestBase {

    @Test
    void metricsFollowRequestsAndErrors() throws Exception {
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            WatcherMetrics fresh = w.metrics();
            assertEquals(w.transport(), fresh.transport());
            assertEquals(0, fresh.connections() + fresh.listeners() + fresh.completions() + fresh.pendingReads());
            assertEquals(Watcher.DEFAULT_MAX_SWAP_BUFFERS, fresh.maxSwapBuffers());
            assertEquals(Watcher.DEFAULT_SWAP_BUFFER_SIZE, fresh.swapBufferSize());

            List<Loopback.Pair> pairs = lb.connect(4);
            for (Loopback.Pair p : pairs) {
                w.read(null, p.server, null);
            }
            Listener l = w.listen(loopback(0));
            w.accept(null, l);
            await(w, m -> m.connections() == 4 && m.pendingReads() == 4 && m.listeners() == 1
                    && m.pendingAccepts() == 1);

            for (Loopback.Pair p : pairs) {
                sendAll(p.client, new byte[100]);
            }
            collect(w, 4, WAIT, TransportTestBase::assertSuccess);
            await(w, m -> m.pendingReads() == 0 && m.bytesRead() == 400 && m.completions() == 4
                    && m.swapBuffers() >= 1);

            ByteBuf out = bufferOf(new byte[50]);
            try {
                w.write(null, pairs.get(0).server, out);
                assertSuccess(awaitResult(w));
            } finally {
                out.release();
            }
            w.readTimeout(null, pairs.get(1).server, null, Duration.ofMillis(20));
            assertError(awaitResult(w), DeadlineExceededException.class);
            w.read(null, pairs.get(2).server, null);
            pairs.get(2).client.shutdownOutput();
            assertError(awaitResult(w), EOFException.class);
            w.read(null, pairs.get(3).server, null);
            w.free(pairs.get(3).server);
            assertError(awaitResult(w), ConnectionClosedException.class);
            await(w, m -> m.bytesWritten() == 50 && m.deadlinesExpired() == 1 && m.endOfStreams() == 1
                    && m.closedErrors() == 1 && m.ioErrors() == 0 && m.completions() == 8 && m.connections() == 3
                    && m.pendingReads() == 0);

            l.close();
            assertError(awaitResult(w), ConnectionClosedException.class);
            await(w, m -> m.listeners() == 0 && m.pendingAccepts() == 0 && m.closedErrors() == 2);
            w.read(null, pairs.get(0).server, null);
            await(w, m -> m.pendingReads() == 1);
            w.close();
            WatcherMetrics closed = w.metrics();
            assertEquals(0, closed.connections(), () -> "after close: " + closed);
            assertEquals(0, closed.pendingReads(), () -> "after close: " + closed);
            assertEquals(0, closed.swapBuffers(), () -> "after close: " + closed);
            assertEquals(3, closed.closedErrors(), () -> "the read the close handed back counts: " + closed);
            assertEquals(10, closed.completions(), () -> "after close: " + closed);
        }
    }

    /**
     * At the bound on swap buffers, with every slice retained, further reads wait: {@code starvedReads} counts them
     * and {@code starvations} how often a read waited; releasing the slices lets them go on.
     */
    @Test
    void starvedReadsAreCounted() throws Exception {
        List<ByteBuf> retained = new ArrayList<>();
        try (Loopback lb = Loopback.open();
             Watcher w = build(newWatcherBuilder().swapBufferSize(64).maxSwapBuffers(2))) {
            List<Loopback.Pair> pairs = lb.connect(4);
            for (Loopback.Pair p : pairs) {
                sendAll(p.client, new byte[64]);
            }
            // Each read fills a whole 64-byte swap buffer; with both retained, the next two reads wait.
            for (Loopback.Pair p : pairs.subList(0, 2)) {
                w.read(null, p.server, null);
                collect(w, 1, WAIT, r -> {
                    assertSuccess(r);
                    retained.add(r.buffer().retain());
                });
            }
            for (Loopback.Pair p : pairs.subList(2, 4)) {
                w.read(null, p.server, null);
            }
            await(w, m -> m.starvedReads() == 2 && m.starvations() == 2 && m.swapBuffers() == 2
                    && m.pendingReads() == 2);
            releaseQuietly(retained);
            retained.clear();
            // The next waitIO() releases the last batch's hold on its swap buffer, which wakes the parked reads.
            collect(w, 2, WAIT, r -> assertSuccess(r));
            await(w, m -> m.starvedReads() == 0 && m.pendingReads() == 0 && m.starvations() >= 2);
        } finally {
            releaseQuietly(retained);
        }
    }

    /** Waits until a snapshot satisfies {@code expected}; fails with the last one. */
    private static void await(Watcher w, Predicate<WatcherMetrics> expected) throws InterruptedException {
        WatcherMetrics[] last = new WatcherMetrics[1];
        awaitCondition(() -> expected.test(last[0] = w.metrics()), WAIT, () -> "metrics: " + last[0]);
        assertTrue(expected.test(last[0]));
    }
}
