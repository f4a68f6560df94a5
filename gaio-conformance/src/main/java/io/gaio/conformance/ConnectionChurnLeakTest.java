package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.Watcher;
import io.gaio.conformance.EchoServer.ReadMode;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection churn leaves nothing behind (reliability, leaks): {@value #CYCLES} connect, echo, free cycles on one
 * watcher, {@value #BATCH} connections at a time (client source addresses rotate through {@link Loopback}, so that
 * TIME_WAIT never exhausts the ephemeral ports; where there is only 127.0.0.1 and client ports are paced
 * ({@link Platform}), as many cycles as the pacing lets through in {@value #PACED_SECONDS} s: 18,432 at macOS's 16,384
 * ports and 30 s TIME_WAIT, where 100,000 would take five minutes). Each client sends one message, gets it back, and
 * closes; the {@link EchoServer} reads into the swap buffer or its own buffer at random, checks that each of its
 * requests completes exactly once, and frees the connection at the end of the stream. Afterwards:
 * <ul>
 *   <li>the process's open descriptors are back to their count before the first cycle (with the watcher open), and
 *       to the count before the watcher once it is closed;</li>
 *   <li>the direct memory pinned by live buffers of Netty's pooled allocator is back to exactly where it was before
 *       the watcher, and the pool holds at most one more chunk from the system than before (a pool keeps chunks it
 *       took, so "used" moves in whole chunks);</li>
 *   <li>Netty's leak detector, at paranoid, reports nothing (the build fails on a {@code LEAK:} line).</li>
 * </ul>
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ConnectionChurnLeakTest extends TransportTestBase {
    static final int CYCLES = 100_000;
    static final int BATCH = 100;
    /** Where ports are paced: the time the pacing may take. */
    static final int PACED_SECONDS = 60;
    private static final int MESSAGE = 100;

    @Test
    void connectEchoFreeCyclesLeaveNothingBehind() throws Exception {
        int cycles = cycles();
        long chunk = PooledByteBufAllocator.DEFAULT.chunkSize();
        int fdsBefore = openDescriptorCount();
        MemorySample before = MemorySample.afterGc();
        long start = System.nanoTime();
        Watcher w = newWatcher();
        EchoServer server = new EchoServer(w, ReadMode.RANDOM, 256, 900);
        try (Loopback lb = Loopback.open()) {
            int fdsStart = openDescriptorCount();
            for (int done = 0; done < cycles; done += BATCH) {
                List<Loopback.Pair> pairs = lb.connect(BATCH);
                try (ClientDriver driver = new ClientDriver()) {
                    for (int i = 0; i < BATCH; i++) {
                        driver.addEcho(pairs.get(i).client, List.of(randomBytes(MESSAGE, done + i)));
                        server.serve(pairs.get(i).server);
                    }
                    driver.run(WAIT);
                }
                int ended = done + BATCH;
                assertTrue(server.awaitClosed(ended, WAIT.toSeconds(), TimeUnit.SECONDS), () -> "the echo server "
                        + "freed " + server.closedConnections() + " of " + ended + " connections; failures: "
                        + server.failures());
                // Neither end is closed here: the clients closed theirs, the watcher must have closed its own.
                pairs.forEach(lb::forget);
                if (ended % 20_000 == 0) {
                    System.out.println(ended + " cycles in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                            + " ms; " + MemorySample.now() + "; descriptors " + openDescriptorCount());
                }
            }
            assertEquals(List.of(), server.failures(), "what the echo server saw going wrong");
            if (fdsStart >= 0) {
                awaitDescriptorsAtMost(fdsStart, "after " + cycles + " cycles, with the watcher open");
            }
        } finally {
            server.close();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (fdsBefore >= 0) {
            awaitDescriptorsAtMost(fdsBefore, "after the watcher closed");
        }
        MemorySample after = MemorySample.afterGc();
        System.out.println(cycles + " connect/echo/free cycles in " + millis + " ms; before " + before + "; after "
                + after);
        assertEquals(before.directPinned, after.directPinned, "direct memory pinned by live pooled buffers");
        assertTrue(after.directUsed - before.directUsed <= chunk, () -> "the pool holds more than one chunk more "
                + "than before: " + before + " -> " + after);
    }

    /** {@link #CYCLES}, or where client ports are paced, what the pacing lets through in {@link #PACED_SECONDS}. */
    private static int cycles() {
        long paced = Platform.pacedConnectionsWithin(PACED_SECONDS);
        if (paced < 0 || paced >= CYCLES) {
            return CYCLES;
        }
        int cycles = (int) Math.max(BATCH, paced / BATCH * BATCH);
        Platform.note("connection churn: " + cycles + " cycles instead of " + CYCLES + ", as many as the pacing of "
                + "client ports lets through in " + PACED_SECONDS + " s");
        return cycles;
    }
}
