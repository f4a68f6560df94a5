package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.OpResult;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Close and free racing everything else (reliability): {@code close()} with thousands of requests pending and with
 * submissions still coming in, {@code free()} racing completions, and eight threads submitting while others free
 * connections and delegate new ones. Every request is booked in a {@link CompletionLedger}: each completes exactly
 * once or is rejected at submission; a close completes what is pending with {@link WatcherClosedException}. Every
 * socket a watcher took over is closed by {@code free()} or {@code close()}, and a socket whose every submission was
 * rejected stays the caller's, open.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CloseRaceStressTest extends TransportTestBase {
    private static final int THREADS = 8;
    /** How long a connection may stay open after the close or free that closes it. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    /**
     * 2,000 connections: the first half delegated with two reads and, on every fourth, a 1 MiB write to a peer that
     * reads nothing pending; the second half fresh, with the same requests submitted right before {@code close()}.
     * Close hands every request back with {@link WatcherClosedException} and the caller's buffer (the reads'
     * untouched), and closes all 2,000 sockets.
     */
    @Test
    void closeWithThousandsOfRequestsPending() throws Exception {
        int n = 2000;
        CompletionLedger ledger = new CompletionLedger("close with requests pending");
        List<ByteBuf> readBuffers = new ArrayList<>();
        List<ByteBuf> writeBuffers = new ArrayList<>();
        ByteBuf big = directBuffer(1024 * 1024).writeZero(1024 * 1024);
        try (Loopback lb = Loopback.open()) {
            int fdsBefore = openDescriptorCount();
            List<Loopback.Pair> pairs = lb.connect(n, ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024));
            Watcher w = newWatcher();
            try {
                for (int i = 0; i < n; i++) {
                    if (i == n / 2) {
                        assertNoCompletion(w, Duration.ofMillis(300));
                    }
                    Loopback.Pair p = pairs.get(i);
                    p.server.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
                    w.read(ledger.open(), p.server, null);
                    ByteBuf b = directBuffer(64);
                    readBuffers.add(b);
                    w.readTimeout(ledger.open(), p.server, b, Duration.ofSeconds(60));
                    if (i % 4 == 0) {
                        ByteBuf dup = big.retainedDuplicate();
                        writeBuffers.add(dup);
                        w.write(ledger.open(), p.server, dup);
                    }
                }
                assertEquals(0, ledger.completed(), "completions before the close: " + ledger);
                long start = System.nanoTime();
                w.close();
                long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                ledger.awaitClosed(w, WAIT, r -> assertError(r, WatcherClosedException.class));
                ledger.assertSettled();
                long handedBack = ledger.count("WatcherClosedException");
                assertEquals(ledger.submitted(), handedBack, "every request was pending, and came back");
                assertThrows(WatcherClosedException.class, () -> w.waitIO(Duration.ZERO));

                int open = countOpenPeers(pairs, CLOSE_WAIT);
                assertEquals(0, open, "sockets still open after close(), of " + n);
                if (fdsBefore >= 0) {
                    awaitDescriptorsAtMost(fdsBefore + n, "after close(), with the client ends open");
                }
                for (ByteBuf b : readBuffers) {
                    assertEquals(1, b.refCnt(), "a handed-back read's buffer stays the caller's");
                    assertEquals(0, b.writerIndex(), "a handed-back read's buffer is untouched");
                }
                for (ByteBuf b : writeBuffers) {
                    assertEquals(1, b.refCnt(), "a handed-back write's buffer stays the caller's");
                }
                assertEquals(1 + writeBuffers.size(), big.refCnt(), "the caller's references on the written buffer");
                System.out.println("close() with " + handedBack + " requests pending on " + n + " connections took "
                        + closeMillis + " ms; " + ledger);
            } finally {
                w.close();
            }
        } finally {
            releaseQuietly(readBuffers);
            releaseQuietly(writeBuffers);
            big.release();
        }
    }

    /**
     * Eight threads submit reads on fresh connections (three each) while {@code close()} comes, 20 times over with
     * 400 connections. Each submission is taken or rejected with {@link WatcherClosedException}; every one taken
     * comes back once in the close's last batch; a connection with a submission taken must be closed by
     * {@code close()}, one whose every submission was rejected stays open.
     */
    @Test
    void closeRacingSubmitters() throws Exception {
        int rounds = 20;
        int perThread = 50;
        CompletionLedger ledger = new CompletionLedger("close racing submitters");
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        int taken = 0;
        int refused = 0;
        int mixed = 0;
        try (Loopback lb = Loopback.open()) {
            for (int round = 0; round < rounds; round++) {
                List<Loopback.Pair> pairs = lb.connect(THREADS * perThread);
                AtomicIntegerArray accepted = new AtomicIntegerArray(pairs.size());
                AtomicIntegerArray rejected = new AtomicIntegerArray(pairs.size());
                Watcher w = newWatcher();
                CountDownLatch go = new CountDownLatch(1);
                CountDownLatch halfway = new CountDownLatch(THREADS);
                List<Future<?>> submitters = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int first = t * perThread;
                    submitters.add(pool.submit(() -> {
                        go.await();
                        for (int i = first; i < first + perThread; i++) {
                            if (i == first + perThread / 2) {
                                halfway.countDown();
                            }
                            for (int k = 0; k < 3; k++) {
                                Long id = ledger.open();
                                try {
                                    w.read(id, pairs.get(i).server, null);
                                    accepted.incrementAndGet(i);
                                } catch (WatcherClosedException e) {
                                    ledger.reject(id, e);
                                    rejected.incrementAndGet(i);
                                }
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                halfway.await();
                w.close();
                for (Future<?> f : submitters) {
                    f.get(30, TimeUnit.SECONDS);
                }
                ledger.awaitClosed(w, WAIT, r -> assertError(r, WatcherClosedException.class));
                ledger.assertSettled();
                List<Loopback.Pair> mustBeClosed = new ArrayList<>();
                for (int i = 0; i < pairs.size(); i++) {
                    if (accepted.get(i) > 0) {
                        mustBeClosed.add(pairs.get(i));
                        taken++;
                        if (rejected.get(i) > 0) {
                            mixed++;
                        }
                    } else {
                        refused++;
                        Loopback.Pair p = pairs.get(i);
                        assertTrue(p.server.isOpen(), "connection " + i + " was refused every time, yet closed");
                        p.client.configureBlocking(false);
                        assertEquals(0, p.client.read(ByteBuffer.allocate(1)),
                                "the peer of connection " + i + " (refused every time) sees it closed");
                    }
                }
                int open = countOpenPeers(mustBeClosed, CLOSE_WAIT);
                assertEquals(0, open, "round " + round + ": connections the closed watcher had taken are still "
                        + "open, of " + mustBeClosed.size());
                closeAll(pairs);
                for (Loopback.Pair p : pairs) {
                    lb.forget(p);
                }
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        assertEquals(ledger.completed(), ledger.count("WatcherClosedException"),
                "nothing completes without data but by the close: " + ledger);
        System.out.println("close racing submitters: " + taken + " connections taken, " + refused
                + " refused every time, " + mixed + " taken by a first read and refused for a later one; "
                + ledger.submitted() + " reads submitted, " + ledger.rejected() + " rejected, "
                + ledger.completed() + " handed back by the close");
    }

    /**
     * {@code free()} racing completions: 1,000 connections, each with two reads and a 1 MiB write pending (16 KiB
     * socket buffers, so the write is under way). One thread sends two bytes to each peer and drains what the peer
     * received, while another frees each connection right after that thread got to it. Each request completes
     * exactly once, successfully or with {@link ConnectionClosedException}; a read submitted after the free fails
     * with it too, and every freed socket is closed.
     */
    @Test
    void freeRacingCompletions() throws Exception {
        int n = 1000;
        int size = 1024 * 1024;
        CompletionLedger ledger = new CompletionLedger("free racing completions");
        List<ByteBuf> buffers = new ArrayList<>();
        ByteBuf big = directBuffer(size).writeZero(size);
        buffers.add(big);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(n, ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024));
            for (Loopback.Pair p : pairs) {
                p.client.configureBlocking(false);
                p.server.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
                w.read(ledger.open(), p.server, null);
                ByteBuf b = directBuffer(16);
                buffers.add(b);
                w.read(ledger.open(), p.server, b);
                ByteBuf out = big.retainedDuplicate();
                buffers.add(out);
                w.write(ledger.open(), p.server, out);
            }
            AtomicInteger reached = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            Future<?> peer = pool.submit(() -> {
                go.await();
                ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
                for (Loopback.Pair p : pairs) {
                    try {
                        p.client.write(ByteBuffer.wrap(new byte[] {1, 2}));
                        in.clear();
                        p.client.read(in);
                    } catch (IOException freedAlready) {
                        // the free won this one
                    }
                    reached.incrementAndGet();
                }
                return null;
            });
            Future<?> freer = pool.submit(() -> {
                go.await();
                for (int i = 0; i < n; i++) {
                    while (reached.get() <= i) {
                        Thread.onSpinWait();
                    }
                    w.free(pairs.get(i).server);
                }
                return null;
            });
            go.countDown();
            peer.get(30, TimeUnit.SECONDS);
            freer.get(30, TimeUnit.SECONDS);
            ledger.awaitSettled(w, WAIT, r -> {
                if (!r.isSuccess()) {
                    assertError(r, ConnectionClosedException.class);
                }
            });
            long okBeforeFree = ledger.count("ok");
            long closedByFree = ledger.count("ConnectionClosedException");
            for (Loopback.Pair p : pairs) {
                w.read(ledger.open(), p.server, null);
            }
            ledger.awaitSettled(w, WAIT, r -> assertError(r, ConnectionClosedException.class));
            ledger.assertSettled();
            System.out.println("free racing completions: " + okBeforeFree + " completed successfully, "
                    + closedByFree + " ended by free; " + ledger);
            assertTrue(closedByFree >= n, () -> "every write was still pending at its free: " + ledger);
            assertEquals(0, countOpenPeers(pairs, CLOSE_WAIT), "freed connections still open");
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            releaseQuietly(buffers);
        }
    }

    /**
     * For three seconds: eight threads submit reads (swap buffer or their own, with a 100 ms deadline) and 32-byte
     * writes on connections picked at random from 256 slots, two threads free connections at random and empty their
     * slots, and one thread delegates fresh connections into empty slots; the peers send a byte to every connection
     * every 20 ms and drain what they receive. Then everything is freed: submitted = completed + rejected, each
     * request exactly once.
     */
    @Test
    void submitFreeAndDelegateConcurrently() throws Exception {
        int slotCount = 256;
        int fresh = 1500;
        long runNanos = TimeUnit.SECONDS.toNanos(3);
        CompletionLedger ledger = new CompletionLedger("submit, free and delegate concurrently");
        Map<Long, ByteBuf> buffers = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(20_000);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean collecting = new AtomicBoolean(true);
        AtomicInteger frees = new AtomicInteger();
        AtomicInteger delegations = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 5);
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher(); Peers peers = new Peers()) {
            List<Loopback.Pair> all = lb.connect(slotCount + fresh);
            AtomicReferenceArray<Loopback.Pair> slots = new AtomicReferenceArray<>(slotCount);
            for (int i = 0; i < slotCount; i++) {
                slots.set(i, all.get(i));
                peers.add(all.get(i).client);
                // Delegated before the storm, as the fresh ones are: a free that reached a connection no request had
                // named yet would be ignored (rule 5), leaving it the caller's and open, which is not what is tested.
                Long id = ledger.open();
                inFlight.acquire();
                w.readTimeout(id, all.get(i).server, null, Duration.ofMillis(100));
            }
            AtomicInteger nextFresh = new AtomicInteger(slotCount);
            List<Future<?>> tasks = new ArrayList<>();
            tasks.add(pool.submit(() -> {
                peers.run(stop);
                return null;
            }));
            Future<?> collector = pool.submit(() -> {
                while (collecting.get()) {
                    for (OpResult r : w.waitIO(Duration.ofMillis(50))) {
                        ledger.complete(r);
                        ByteBuf b = buffers.remove((Long) r.context());
                        if (b != null) {
                            b.release();
                        }
                        inFlight.release();
                    }
                }
                return null;
            });
            for (int t = 0; t < THREADS; t++) {
                tasks.add(pool.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        Loopback.Pair p = slots.get(random.nextInt(slotCount));
                        if (p == null || !inFlight.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                        Long id = ledger.open();
                        int kind = random.nextInt(10);
                        ByteBuf b = kind < 5 ? null : kind < 8 ? directBuffer(32).writeZero(32) : directBuffer(64);
                        if (b != null) {
                            buffers.put(id, b);
                        }
                        try {
                            if (kind < 5) {
                                w.readTimeout(id, p.server, null, Duration.ofMillis(100));
                            } else if (kind < 8) {
                                w.write(id, p.server, b);
                            } else {
                                w.readTimeout(id, p.server, b, Duration.ofMillis(100));
                            }
                        } catch (RuntimeException e) {
                            ledger.reject(id, e);
                            if (b != null) {
                                buffers.remove(id).release();
                            }
                            inFlight.release();
                        }
                    }
                    return null;
                }));
            }
            for (int t = 0; t < 2; t++) {
                tasks.add(pool.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        Loopback.Pair p = slots.getAndSet(random.nextInt(slotCount), null);
                        if (p != null) {
                            w.free(p.server);
                            frees.incrementAndGet();
                        }
                        Thread.sleep(2);
                    }
                    return null;
                }));
            }
            tasks.add(pool.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get() && nextFresh.get() < all.size()) {
                    int k = random.nextInt(slotCount);
                    if (slots.get(k) == null) {
                        Loopback.Pair p = all.get(nextFresh.getAndIncrement());
                        Long id = ledger.open();
                        inFlight.acquire();
                        peers.add(p.client);
                        w.readTimeout(id, p.server, null, Duration.ofMillis(100));
                        delegations.incrementAndGet();
                        slots.set(k, p);
                    }
                    Thread.sleep(1);
                }
                return null;
            }));

            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(runNanos));
            stop.set(true);
            for (Future<?> f : tasks) {
                f.get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < nextFresh.get(); i++) {
                w.free(all.get(i).server);
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (ledger.outstanding() > 0 && System.nanoTime() - deadline < 0 && !collector.isDone()) {
                Thread.sleep(10);
            }
            collecting.set(false);
            collector.get(10, TimeUnit.SECONDS);
            ledger.assertSettled();
            assertTrue(buffers.isEmpty(), () -> buffers.size() + " buffers of completed requests not released");
            System.out.println("3 s of submit/free/delegate: " + frees.get() + " frees, " + delegations.get()
                    + " delegations of fresh connections, " + nextFresh.get() + " connections used; " + ledger);
            assertTrue(ledger.count("ConnectionClosedException") > 0 && ledger.count("ok") > 0,
                    () -> "submissions and frees did not overlap: " + ledger);
            assertEquals(0, countOpenPeers(all.subList(0, nextFresh.get()), CLOSE_WAIT),
                    "freed connections still open");
        } finally {
            stop.set(true);
            collecting.set(false);
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            buffers.values().forEach(TransportTestBase::releaseQuietly);
        }
    }

    /**
     * How many of the pairs' server ends are still open as their clients see it, after waiting up to {@code wait}
     * for all of them to close: a client reading end of stream or a reset counts as closed.
     */
    static int countOpenPeers(List<Loopback.Pair> pairs, Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        List<Loopback.Pair> open = new ArrayList<>(pairs);
        ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);
        while (true) {
            List<Loopback.Pair> still = new ArrayList<>();
            for (Loopback.Pair p : open) {
                if (!p.client.isOpen()) {
                    continue; // the peers of a test closed it after seeing the end
                }
                p.client.configureBlocking(false);
                try {
                    int n;
                    do {
                        scratch.clear();
                        n = p.client.read(scratch);
                    } while (n > 0);
                    if (n == 0) {
                        still.add(p);
                    }
                } catch (IOException reset) {
                    // closed with a reset
                }
            }
            if (still.isEmpty() || System.nanoTime() - deadline > 0) {
                return still.size();
            }
            open = still;
            Thread.sleep(20);
        }
    }

    /**
     * The peers of the storm: one thread that drains every client and sends each live one a byte every 20 ms, until
     * told to stop. Clients may be added from any thread.
     */
    private static final class Peers implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final Queue<SocketChannel> live = new ConcurrentLinkedQueue<>();

        Peers() throws IOException {
        }

        void add(SocketChannel client) throws IOException {
            client.configureBlocking(false);
            client.register(selector, SelectionKey.OP_READ);
            live.add(client);
        }

        void run(AtomicBoolean stop) throws IOException {
            ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            long nextSend = System.nanoTime();
            while (!stop.get()) {
                selector.select(5);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel ch = (SocketChannel) key.channel();
                    try {
                        int n;
                        do {
                            in.clear();
                            n = ch.read(in);
                        } while (n > 0);
                        if (n < 0) {
                            ended(key);
                        }
                    } catch (IOException e) {
                        ended(key);
                    }
                }
                selector.selectedKeys().clear();
                if (System.nanoTime() - nextSend > 0) {
                    nextSend = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
                    for (SocketChannel ch : live) {
                        try {
                            one.clear();
                            ch.write(one);
                        } catch (IOException e) {
                            live.remove(ch);
                        }
                    }
                }
            }
        }

        private void ended(SelectionKey key) {
            key.cancel();
            live.remove(key.channel());
        }

        @Override
        public void close() throws IOException {
            selector.close();
        }
    }
}
