package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.ConnectionClosedException;
import io.gaio.OpResult;
import io.gaio.Watcher;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slowloris (reliability, hostile peers): 5,000 connections (fewer where the descriptor limit does not hold them,
 * {@link #connectionsThatFit}), each with a swap-buffer read pending, and each peer
 * dribbling one byte a second for 5 seconds. Every byte arrives, in order (25,000 reads, each booked in a
 * {@link CompletionLedger}), and memory stays bounded no matter how many connections wait:
 * <ul>
 *   <li>direct memory: at most {@value #MAX_PINNED_SWAP} bytes (four 64 KiB swap buffers) pinned by live buffers
 *       above the level before the connections were handed over, and Netty's pool takes at most one more pool chunk
 *       from the system (64 KiB per connection, a buffer each, would be 312 MiB);</li>
 *   <li>heap, after garbage collection: at most {@value #MAX_HEAP_PER_CONNECTION} bytes per connection for the
 *       watcher's bookkeeping (connection, queues, pending request, registration), measured against the level
 *       before the connections were handed over, and no growth beyond {@value #MAX_HEAP_GROWTH} bytes from the idle
 *       state to the end of the dribbling.</li>
 * </ul>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowlorisTest extends TransportTestBase {
    private static final int WANTED = 5000;
    private static final int SECONDS = 5;
    /** Four swap buffers of the default size. */
    static final long MAX_PINNED_SWAP = 4L * Watcher.DEFAULT_SWAP_BUFFER_SIZE;
    static final long MAX_HEAP_PER_CONNECTION = 2048;
    static final long MAX_HEAP_GROWTH = 4L * 1024 * 1024;

    @Test
    void dribblingPeersHoldBoundedMemory() throws Exception {
        CompletionLedger ledger = new CompletionLedger("slowloris");
        int connections = connectionsThatFit(WANTED, 2, "slowloris");
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(connections);
            Map<Object, Integer> index = new IdentityHashMap<>();
            for (int i = 0; i < connections; i++) {
                index.put(pairs.get(i).server, i);
            }
            long chunk = PooledByteBufAllocator.DEFAULT.chunkSize();
            MemorySample before = MemorySample.afterGc();
            for (Loopback.Pair p : pairs) {
                w.read(ledger.open(), p.server, null);
            }
            assertNoCompletion(w, Duration.ofMillis(500));
            MemorySample idle = MemorySample.afterGc();

            CompletableFuture<Void> dribbling = CompletableFuture.runAsync(() -> dribble(pairs));
            int[] received = new int[connections];
            long bytes = 0;
            long maxPinned = 0;
            long maxUsed = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS + 30);
            while (bytes < (long) connections * SECONDS) {
                if (System.nanoTime() - deadline > 0) {
                    fail("only " + bytes + " of " + connections * SECONDS + " bytes arrived; " + ledger);
                }
                if (dribbling.isCompletedExceptionally()) {
                    dribbling.join();
                }
                List<OpResult> batch = w.waitIO(Duration.ofMillis(200));
                for (OpResult r : batch) {
                    ledger.complete(r);
                    assertSuccess(r);
                    int i = index.get(r.connection());
                    for (int k = 0; k < r.size(); k++) {
                        byte b = r.buffer().getByte(r.buffer().readerIndex() + k);
                        assertEquals((byte) (received[i] + 1), b, "byte " + received[i] + " of connection " + i);
                        received[i]++;
                    }
                    bytes += r.size();
                    w.read(ledger.open(), r.connection(), null);
                }
                MemorySample m = MemorySample.now();
                maxPinned = Math.max(maxPinned, m.directPinned);
                maxUsed = Math.max(maxUsed, m.directUsed);
            }
            dribbling.get(10, TimeUnit.SECONDS);
            MemorySample end = MemorySample.afterGc();
            System.out.println("slowloris, " + connections + " connections: before " + before + "; idle " + idle
                    + "; after " + SECONDS + " s of dribbling " + end + "; most pinned " + MemorySample.mib(maxPinned)
                    + ", most used " + MemorySample.mib(maxUsed) + "; heap per connection "
                    + (end.heap - before.heap) / connections + " bytes");
            for (int i = 0; i < connections; i++) {
                assertEquals(SECONDS, received[i], "bytes received on connection " + i);
            }
            assertTrue(maxPinned - before.directPinned <= MAX_PINNED_SWAP, () -> "pinned direct memory grew by more "
                    + "than " + MAX_PINNED_SWAP + " bytes: " + before + " -> " + end);
            long mostUsed = maxUsed;
            assertTrue(mostUsed - before.directUsed <= chunk, () -> "the pool took more than one " + chunk
                    + "-byte chunk: " + MemorySample.mib(before.directUsed) + " -> " + MemorySample.mib(mostUsed));
            assertTrue(end.heap - before.heap <= MAX_HEAP_PER_CONNECTION * connections, () -> "heap per connection "
                    + (end.heap - before.heap) / connections + " bytes: " + before + " -> " + end);
            assertTrue(end.heap - idle.heap <= MAX_HEAP_GROWTH, () -> "the heap grew while the peers dribbled: "
                    + idle + " -> " + end);

            for (Loopback.Pair p : pairs) {
                w.free(p.server);
            }
            ledger.awaitSettled(w, WAIT);
            assertEquals(connections, ledger.count(ConnectionClosedException.class.getSimpleName()),
                    "the reads pending at free");
            ledger.assertSettled();
            ledger.print();
        }
    }

    /** Each second, one byte to every connection: the second's number. */
    private static void dribble(List<Loopback.Pair> pairs) {
        long start = System.nanoTime();
        ByteBuffer one = ByteBuffer.allocate(1);
        try {
            for (int s = 1; s <= SECONDS; s++) {
                for (Loopback.Pair p : pairs) {
                    one.clear().put((byte) s).flip();
                    while (one.hasRemaining()) {
                        p.client.write(one);
                    }
                }
                long next = start + TimeUnit.SECONDS.toNanos(s);
                long sleep = next - System.nanoTime();
                if (sleep > 0 && s < SECONDS) {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("the dribbling peer failed", e);
        }
    }
}
