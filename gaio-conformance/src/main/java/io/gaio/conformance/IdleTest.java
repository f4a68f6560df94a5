package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An idle watcher does not spin (rule 8): with connections that have a read pending and no data, connections with
 * nothing pending, connections whose last write completed, connections whose peer closed while nothing was pending,
 * and a far deadline, the watcher's event loop thread uses almost no CPU time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleTest extends TransportTestBase {
    private static final Duration WINDOW = Duration.ofSeconds(1);
    /** A spinning loop burns most of the window; an idle one next to nothing. */
    private static final Duration MAX_CPU = Duration.ofMillis(200);

    @Test
    void idleLoopDoesNotSpin() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadCpuTimeSupported(), "this JVM cannot measure a thread's CPU time");
        threads.setThreadCpuTimeEnabled(true);
        int each = 16;
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(4 * each);
            for (int i = 0; i < 4 * each; i++) {
                Loopback.Pair p = pairs.get(i);
                sendAll(p.client, new byte[] {1});
                w.read(null, p.server, null);
                assertSuccess(awaitResult(w));
                switch (i / each) {
                    case 0: // a read pending, with a far deadline on half of them
                        if (i % 2 == 0) {
                            w.read(null, p.server, null);
                        } else {
                            w.readTimeout(null, p.server, null, Duration.ofMinutes(10));
                        }
                        break;
                    case 1: // nothing pending
                        break;
                    case 2: // a completed write
                        ByteBuf out = bufferOf(new byte[] {2});
                        buffers.add(out);
                        w.write(null, p.server, out);
                        assertSuccess(awaitResult(w));
                        readExactly(p.client, 1, WAIT);
                        break;
                    default: // the peer closed while nothing was pending
                        p.client.close();
                        break;
                }
            }
            assertNoCompletion(w, Duration.ofMillis(300)); // let it settle
            long loopThread = w.eventLoop().submit(() -> Thread.currentThread().getId()).get(10, TimeUnit.SECONDS);
            long before = threads.getThreadCpuTime(loopThread);
            assumeTrue(before >= 0, "the event loop thread's CPU time is not available");
            Thread.sleep(WINDOW.toMillis());
            long used = threads.getThreadCpuTime(loopThread) - before;
            assertTrue(used < MAX_CPU.toNanos(), () -> "the idle watcher's event loop used "
                    + TimeUnit.NANOSECONDS.toMillis(used) + " ms of CPU in " + WINDOW.toMillis() + " ms");
        } finally {
            releaseQuietly(buffers);
        }
    }
}
