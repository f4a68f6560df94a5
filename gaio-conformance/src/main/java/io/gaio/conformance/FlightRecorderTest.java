package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * gaio's JDK Flight Recorder events, recorded in this JVM and read back from the recording file:
 * {@code io.gaio.SlowBatch} for a batch that waited on a busy loop and for a completion handler that took 15 ms,
 * {@code io.gaio.SwapStarved} for reads parked while every swap buffer was retained, {@code io.gaio.WatcherClosed}
 * for a close that handed back pending reads.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlightRecorderTest extends TransportTestBase {
    @Test
    void eventsAreRecorded() throws Exception {
        // Not Files.createTempFile: its SecureRandom would open descriptors for the JVM's lifetime, which the base
        // class would count as leaked.
        Path file = Path.of("target", "FlightRecorderTest-" + transport().name() + ".jfr");
        List<ByteBuf> retained = new ArrayList<>();
        try (Recording recording = new Recording(); Loopback lb = Loopback.open()) {
            recording.enable("io.gaio.SlowBatch");
            recording.enable("io.gaio.SwapStarved");
            recording.enable("io.gaio.WatcherClosed");
            recording.start();
            List<Loopback.Pair> pairs = lb.connect(5);

            try (Watcher w = build(newWatcherBuilder().swapBufferSize(64).maxSwapBuffers(2))) {
                // A batch staged on the loop, then the loop kept busy for 15 ms before it publishes it.
                sendAll(pairs.get(0).client, new byte[64]);
                awaitCondition(() -> available(pairs.get(0)), WAIT, () -> "the bytes did not arrive");
                w.eventLoop().execute(() -> {
                    w.read(null, pairs.get(0).server, null);
                    sleep(15);
                });
                collect(w, 1, WAIT, r -> {
                    assertSuccess(r);
                    retained.add(r.buffer().retain());
                });
                // Both swap buffers retained: the next reads park.
                sendAll(pairs.get(1).client, new byte[64]);
                w.read(null, pairs.get(1).server, null);
                collect(w, 1, WAIT, r -> {
                    assertSuccess(r);
                    retained.add(r.buffer().retain());
                });
                sendAll(pairs.get(2).client, new byte[64]);
                w.read(null, pairs.get(2).server, null);
                awaitCondition(() -> w.metrics().starvedReads() == 1, WAIT, () -> "no read parked: " + w.metrics());
                releaseQuietly(retained);
                retained.clear();
                collect(w, 1, WAIT, TransportTestBase::assertSuccess);
                awaitCondition(() -> w.metrics().starvedReads() == 0, WAIT, () -> "still parked: " + w.metrics());
                // Two reads pending at the close.
                w.read(null, pairs.get(2).server, null);
                w.read(null, pairs.get(3).server, null);
                awaitCondition(() -> w.metrics().pendingReads() == 2, WAIT, () -> "reads: " + w.metrics());
            }

            CountDownLatch handled = new CountDownLatch(1);
            try (Watcher w = build(newWatcherBuilder().completionHandler(batch -> {
                sleep(15);
                handled.countDown();
            }))) {
                sendAll(pairs.get(4).client, new byte[1]);
                w.read(null, pairs.get(4).server, null);
                assertTrue(handled.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the handler never ran");
            }
            recording.stop();
            recording.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            String all = events.stream().map(e -> e.getEventType().getName() + " " + e.getFields().stream()
                    .map(f -> f.getName() + "=" + e.getValue(f.getName())).collect(Collectors.joining(", ")))
                    .collect(Collectors.joining("; "));
            String transport = transport().name();

            assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.gaio.SlowBatch")
                    && e.getString("work").equals("batch") && e.getString("transport").equals(transport)
                    && e.getLong("took") >= TimeUnit.MILLISECONDS.toNanos(15) && e.getInt("completions") == 1),
                    () -> "no slow batch among " + all);
            assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.gaio.SlowBatch")
                    && e.getString("work").equals("completion handler")
                    && e.getLong("took") >= TimeUnit.MILLISECONDS.toNanos(15)),
                    () -> "no slow completion handler among " + all);
            List<RecordedEvent> starved = events.stream()
                    .filter(e -> e.getEventType().getName().equals("io.gaio.SwapStarved")).toList();
            assertEquals(1, starved.size(), () -> "swap starvations among " + all);
            assertEquals(1, starved.get(0).getInt("mostParked"));
            assertEquals(2, starved.get(0).getInt("maxSwapBuffers"));
            assertEquals(64, starved.get(0).getInt("swapBufferSize"));
            assertFalse(starved.get(0).getDuration().isNegative());
            List<RecordedEvent> closed = events.stream()
                    .filter(e -> e.getEventType().getName().equals("io.gaio.WatcherClosed")).toList();
            assertEquals(1, closed.size(), () -> "closes with requests pending among " + all
                    + " (the handler's watcher closed with none)");
            assertEquals(2, closed.get(0).getLong("reads"), () -> "pending reads of " + closed.get(0));
            assertEquals(0, closed.get(0).getLong("writes"));
            assertFalse(closed.get(0).getBoolean("graceful"));
            assertEquals(transport, closed.get(0).getString("transport"));
        } finally {
            releaseQuietly(retained);
            Files.deleteIfExists(file);
        }
    }

    private static boolean available(Loopback.Pair p) {
        try {
            return p.server.socket().getInputStream().available() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
