package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Completions delivered on the event loop to a {@link io.gaio.CompletionHandler} instead of {@code waitIO()}: the
 * handler runs on the loop thread, may submit requests (which start at once), sees valid swap slices until it
 * returns, gets every completion exactly once, and a handler that throws does not stop the watcher.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompletionHandlerTest extends TransportTestBase {

    /** 64 connections, 20 echo rounds each, echoed from the handler with swap-buffer reads. */
    @Test
    void echoesFromTheLoop() throws Exception {
        int conns = 64;
        int rounds = 20;
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger writes = new AtomicInteger();
        Watcher[] w = new Watcher[1];
        try (Loopback lb = Loopback.open()) {
            List<Loopback.Pair> pairs = lb.connect(conns);
            w[0] = build(newWatcherBuilder().completionHandler(batch -> {
                if (!w[0].eventLoop().inEventLoop()) {
                    problems.add("handler called on " + Thread.currentThread());
                }
                for (OpResult r : batch) {
                    if (!r.isSuccess()) {
                        problems.add("failed: " + r);
                    } else if (r.operation() == Operation.READ) {
                        w[0].write(null, r.connection(), r.buffer().copy());
                    } else {
                        writes.incrementAndGet();
                        r.buffer().release();
                        w[0].read(null, r.connection(), null);
                    }
                }
            }));
            try {
                assertThrows(IllegalStateException.class, () -> w[0].waitIO(Duration.ofMillis(1)),
                        "waitIO() on a watcher with a completion handler");
                for (Loopback.Pair p : pairs) {
                    w[0].read(null, p.server, null);
                }
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < conns; i++) {
                        sendAll(pairs.get(i).client, randomBytes(100, round * conns + i));
                    }
                    for (int i = 0; i < conns; i++) {
                        assertArrayEquals(randomBytes(100, round * conns + i),
                                readExactly(pairs.get(i).client, 100, WAIT), "echo of round " + round);
                    }
                }
                assertTrue(problems.isEmpty(), problems::toString);
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (writes.get() < conns * rounds && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertEquals(conns * rounds, writes.get(), "write completions");
            } finally {
                w[0].close();
            }
        }
    }

    /** A handler that throws on its first batch: the watcher logs it and goes on delivering. */
    @Test
    void aThrowingHandlerDoesNotStopTheWatcher() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        CountDownLatch later = new CountDownLatch(1);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect();
             Watcher w = build(newWatcherBuilder().completionHandler(batch -> {
                 if (batches.getAndIncrement() == 0) {
                     throw new IllegalStateException("thrown on purpose by the test");
                 }
                 later.countDown();
             }))) {
            sendAll(p.client, new byte[] {1});
            w.read("first", p.server, null);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (batches.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            sendAll(p.client, new byte[] {2});
            w.read("second", p.server, null);
            assertTrue(later.await(WAIT.toSeconds(), TimeUnit.SECONDS), "a batch after the one that threw");
        }
    }
}
