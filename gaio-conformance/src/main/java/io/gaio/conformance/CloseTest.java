package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Closing a watcher (rule 12; gaio's TestDoubleClose, TestWaitIOAfterClose and TestReadWriteAfterClose): close is
 * harmless twice, {@code waitIO()} afterwards and a thread blocked in it get {@link WatcherClosedException} once
 * every completion was returned, requests pending at the close come back in a last batch, and every socket the
 * watcher owned is closed. {@code CloseHandsBackTest} does the same with thousands of connections.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseTest extends TransportTestBase {

    /** Closing twice (and a third time) is harmless. */
    @Test
    void doubleClose() throws Exception {
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect()) {
            Watcher w = newWatcher();
            sendAll(p.client, new byte[] {1});
            w.read(null, p.server, null);
            assertSuccess(awaitResult(w));
            w.close();
            w.close();
            w.close();
            awaitEof(p.client, WAIT);
        }
    }

    /** {@code waitIO()} and {@code waitIO(timeout)} after close throw. */
    @Test
    void waitIOAfterClose() {
        Watcher w = newWatcher();
        w.close();
        assertThrows(WatcherClosedException.class, w::waitIO);
        assertThrows(WatcherClosedException.class, () -> w.waitIO(Duration.ofMillis(100)));
        assertThrows(WatcherClosedException.class, () -> w.waitIO(Duration.ZERO));
    }

    /** A thread blocked in {@code waitIO()} (with and without timeout) wakes with the exception on close. */
    @Test
    void closeWakesBlockedWaitIO() throws Exception {
        Watcher w = newWatcher();
        CountDownLatch started = new CountDownLatch(2);
        CompletableFuture<Throwable> untimed = new CompletableFuture<>();
        CompletableFuture<Throwable> timed = new CompletableFuture<>();
        List<Thread> threads = new ArrayList<>();
        threads.add(waiter(started, untimed, () -> w.waitIO()));
        threads.add(waiter(started, timed, () -> w.waitIO(Duration.ofSeconds(50))));
        try {
            assertTrue(started.await(10, TimeUnit.SECONDS));
            Thread.sleep(200); // let both block
            w.close();
            assertInstanceOf(WatcherClosedException.class, untimed.get(10, TimeUnit.SECONDS), "untimed waitIO()");
            assertInstanceOf(WatcherClosedException.class, timed.get(10, TimeUnit.SECONDS), "waitIO(50 s)");
        } finally {
            w.close();
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }

    private interface Wait {
        Object call() throws Exception;
    }

    private static Thread waiter(CountDownLatch started, CompletableFuture<Throwable> outcome, Wait wait) {
        Thread t = new Thread(() -> {
            started.countDown();
            try {
                outcome.complete(new AssertionError("waitIO() returned " + wait.call()));
            } catch (Throwable e) {
                outcome.complete(e);
            }
        }, "blocked-in-waitIO");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Close with requests pending on several delegated connections returns, hands every request back with
     * {@link WatcherClosedException} and its buffer untouched, and closes every socket the watcher owned.
     */
    @Test
    void closeClosesOwnedSockets() throws Exception {
        closeWithPendingReads(true);
    }

    /**
     * As {@link #closeClosesOwnedSockets()}, but close comes right after the first requests were submitted: a
     * submission that did not throw has handed the connection over, so close must close it whether or not the
     * watcher's loop got to it before.
     */
    @Test
    void closeRightAfterFirstSubmissionClosesTheConnections() throws Exception {
        closeWithPendingReads(false);
    }

    private static void closeWithPendingReads(boolean delegateFirst) throws Exception {
        // Without prior delegation, many connections make it likely that some are still on their way to the loop.
        int n = delegateFirst ? 8 : 64;
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open()) {
            List<Loopback.Pair> pairs = lb.connect(n);
            Watcher w = newWatcher();
            try {
                if (delegateFirst) {
                    for (int i = 0; i < n; i++) {
                        sendAll(pairs.get(i).client, new byte[] {1});
                        w.read(i, pairs.get(i).server, null);
                    }
                    awaitResults(w, n).forEach(TransportTestBase::assertSuccess);
                }
                for (int i = 0; i < n; i++) {
                    ByteBuf b = directBuffer(64);
                    buffers.add(b);
                    if (i % 2 == 0) {
                        w.read(i, pairs.get(i).server, b);
                    } else {
                        w.readTimeout(i, pairs.get(i).server, b, Duration.ofSeconds(30));
                    }
                }
                w.close();
                List<Object> handedBack = new ArrayList<>();
                collectUntilClosed(w, WAIT, r -> {
                    assertError(r, WatcherClosedException.class);
                    assertSame(buffers.get((Integer) r.context()), r.buffer(), () -> "the buffer of " + r);
                    assertEquals(0, r.size(), () -> "bytes of " + r);
                    handedBack.add(r.context());
                });
                assertEquals(n, handedBack.size(), () -> "requests handed back: " + handedBack);
                assertEquals(n, new HashSet<>(handedBack).size(), () -> "each request once: " + handedBack);
                int open = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                for (Loopback.Pair p : pairs) {
                    Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 50_000_000L));
                    if (awaitClosedOrReset(p.client, left) == NOT_CLOSED) {
                        open++;
                    }
                }
                assertEquals(0, open, "connections still open 5 s after the watcher was closed, of " + n);
                for (ByteBuf b : buffers) {
                    assertEquals(1, b.refCnt(), "a handed-back request's buffer stays the caller's");
                    assertEquals(0, b.writerIndex(), "a read buffer nothing arrived for");
                }
            } finally {
                w.close();
            }
        } finally {
            releaseQuietly(buffers);
        }
    }
}
