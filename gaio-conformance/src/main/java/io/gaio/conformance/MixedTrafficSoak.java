package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.Watcher;
import io.gaio.conformance.EchoServer.ReadMode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The soak: mixed traffic on {@code gaio.soak.connections} (5,000; fewer where the descriptor limit does not hold
 * them) connections for {@code gaio.soak.duration} (ISO-8601, {@code PT3M} by default), printing the resident set,
 * heap and direct memory every ten seconds. Not part of the default build (the class name does not end in
 * {@code Test}); the {@code soak} profile runs it on a transport module:
 * {@code mvn -B -Psoak verify -pl gaio-transport-epoll -Dgaio.soak.duration=PT3M}. Its output goes to
 * {@code target/surefire-reports/io.gaio.conformance.MixedTrafficSoak-output.txt}, where the build's leak check
 * reads it too.
 *
 * <p>The traffic comes in generations: each connects all the connections at once, half to a watcher whose echo server
 * reads into its own buffer or the swap buffer at random, half to a watcher with only four 4 KiB swap buffers whose
 * echo server retains each slice and writes it back (so the swap bound is hit all the time); each client echoes 1 to
 * 8 messages of 1 byte to 16 KiB and closes, and the server frees the connection at the end of the stream. Then the
 * next generation connects. At the end: no echo went wrong, every descriptor is closed (the base class checks), the
 * direct memory pinned by live pooled buffers is back where it was, and the heap after garbage collection has not
 * grown by more than 64 MiB since the end of the first generation.
 */
@Timeout(value = 24, unit = TimeUnit.HOURS)
class MixedTrafficSoak extends TransportTestBase {
    private static final long HEAP_GROWTH = 64L * 1024 * 1024;
    private static final long REPORT_EVERY = TimeUnit.SECONDS.toNanos(10);

    @Test
    void mixedTrafficOnThousandsOfConnections() throws Exception {
        Duration duration = Duration.parse(System.getProperty("gaio.soak.duration", "PT3M"));
        int connections = connectionsThatFit(Integer.getInteger("gaio.soak.connections", 5000), 2, "soak");
        Random random = new Random(42);
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            messages.add(randomBytes(i == 0 ? 1 : 1 + random.nextInt(16 * 1024), 1000 + i));
        }
        MemorySample before = MemorySample.afterGc();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        say(String.format("soak on %s: %d connections for %s; before: %s", transport().name(), connections,
                duration, before));
        Watcher mixed = newWatcher();
        Watcher tight = build(newWatcherBuilder().swapBufferSize(4096).maxSwapBuffers(4));
        EchoServer mixedServer = new EchoServer(mixed, ReadMode.RANDOM, 4096, 7);
        EchoServer tightServer = new EchoServer(tight, ReadMode.SWAP_RETAINED, 4096, 8);
        AtomicLong generations = new AtomicLong();
        AtomicLong served = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong peakRss = new AtomicLong();
        MemorySample firstGeneration = null;
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
        reporter.scheduleAtFixedRate(() -> {
            MemorySample now = MemorySample.now();
            peakRss.accumulateAndGet(now.rss, Math::max);
            int fds;
            try {
                fds = openDescriptorCount();
            } catch (IOException e) {
                fds = -1;
            }
            say(String.format("%4d s: %d generations, %d connections, %s echoed; %s; descriptors %d",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), generations.get(), served.get(),
                    MemorySample.mib(bytes.get()), now, fds));
        }, REPORT_EVERY, REPORT_EVERY, TimeUnit.NANOSECONDS);
        try (Loopback lb = Loopback.open()) {
            while (System.nanoTime() - end < 0) {
                List<Loopback.Pair> pairs = lb.connect(connections);
                try (ClientDriver driver = new ClientDriver()) {
                    for (int i = 0; i < connections; i++) {
                        List<byte[]> script = new ArrayList<>();
                        for (int r = 1 + random.nextInt(8); r > 0; r--) {
                            byte[] m = messages.get(random.nextInt(messages.size()));
                            script.add(m);
                            bytes.addAndGet(2L * m.length);
                        }
                        driver.addEcho(pairs.get(i).client, script);
                        (i % 2 == 0 ? mixedServer : tightServer).serve(pairs.get(i).server);
                    }
                    driver.run(Duration.ofMinutes(5));
                }
                long total = served.addAndGet(connections);
                long perServer = total / 2;
                assertTrue(mixedServer.awaitClosed((int) perServer, 60, TimeUnit.SECONDS)
                        && tightServer.awaitClosed((int) perServer, 60, TimeUnit.SECONDS), () -> "the echo servers "
                        + "freed " + mixedServer.closedConnections() + " + " + tightServer.closedConnections()
                        + " of " + total + " connections; failures " + mixedServer.failures() + " "
                        + tightServer.failures());
                pairs.forEach(lb::forget);
                generations.incrementAndGet();
                if (firstGeneration == null) {
                    firstGeneration = MemorySample.afterGc();
                    say("after the first generation: " + firstGeneration);
                }
            }
            assertEquals(List.of(), mixedServer.failures(), "what the echo server of the mixed watcher saw");
            assertEquals(List.of(), tightServer.failures(), "what the echo server of the tight watcher saw");
        } finally {
            reporter.shutdownNow();
            reporter.awaitTermination(10, TimeUnit.SECONDS);
            mixedServer.close();
            tightServer.close();
        }
        MemorySample after = MemorySample.afterGc();
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        say(String.format("soak result on %s: %d s, %d generations of %d connections (%d connections), %s echoed, "
                        + "peak RSS %s; after close: %s (before: %s)", transport().name(), seconds,
                generations.get(), connections, served.get(), MemorySample.mib(bytes.get()),
                MemorySample.mib(peakRss.get()), after,
                before));
        assertEquals(before.directPinned, after.directPinned, "direct memory pinned by live pooled buffers");
        MemorySample first = firstGeneration;
        assertTrue(first == null || after.heap - first.heap <= HEAP_GROWTH, () -> "the heap grew from " + first
                + " after the first generation to " + after);
    }

    private static void say(String line) {
        System.out.println(line);
    }
}
