package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Watcher#shutdownGracefully}: submissions are refused at once, listeners close and their accepts and every
 * pending read come back with {@link WatcherClosedException} while the writes go on to slow readers; the writes
 * finish, or the deadline (or {@code close()}) hands back what remains with the bytes each got out. The peers read
 * slowly and check every byte: each receives exactly the bytes the write results report, in order, and nothing more.
 * Each of {@value #CONNECTIONS} connections has a read into a pooled buffer pending and writes of 1 KiB, 256 KiB and
 * 256 KiB then a {@code shutdownOutput} queued, with 16 KiB socket buffers on both ends, so that the large writes
 * cannot finish while the peers hold back. The buffers come from a pool of the test's own, which is back where it
 * was afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GracefulShutdownTest extends TransportTestBase {
    static final int CONNECTIONS = 32;
    static final int[] WRITES = {1024, 256 * 1024, 256 * 1024};
    static final int SOCKET_BUFFER = 16 * 1024;
    static final int PENDING_ACCEPTS = 4;
    /** What a peer reads before the drain is cut short: well under what the writes hold. */
    static final long SLOW_BUDGET = 96 * 1024;

    /**
     * With the peers holding back, the accepts and reads come back at once while the shutdown waits for the writes;
     * submissions and {@code listen} are refused, and the listener's port is free. Once the peers read, every write
     * and {@code shutdownOutput} completes successfully, the shutdown returns, and every byte arrived.
     */
    @Test
    void pendingWritesFinishBeforeTheClose() throws Exception {
        PooledByteBufAllocator pool = newPool();
        long directBefore = pool.metric().usedDirectMemory();
        long heapBefore = pool.metric().usedHeapMemory();
        try (Loopback lb = Loopback.open(); Setup s = new Setup(lb, pool)) {
            Listener l = s.w.listen(loopback(0));
            InetSocketAddress address = l.localAddress();
            for (int i = 0; i < PENDING_ACCEPTS; i++) {
                Long id = s.ledger.open();
                s.w.accept(id, l);
            }
            CompletableFuture<Void> shutdown = inBackground(() -> s.w.shutdownGracefully(WAIT.multipliedBy(2)));
            s.awaitReadsAndAcceptsEnded(CONNECTIONS + PENDING_ACCEPTS);
            assertFalse(shutdown.isDone(), "the shutdown ended while writes waited for peers that did not read");
            WatcherClosedException refused = assertThrows(WatcherClosedException.class,
                    () -> s.w.read(null, s.pairs.get(0).server, null));
            assertTrue(refused.getMessage().contains("shutting down"), refused::getMessage);
            assertThrows(WatcherClosedException.class, () -> s.w.accept(null, l));
            assertThrows(WatcherClosedException.class, () -> s.w.listen(loopback(0)));
            assertFalse(l.isOpen(), "the listener of a watcher shutting down");
            assertCanListenOn(address);

            s.peers.budget = Long.MAX_VALUE;
            collectUntilClosed(s.w, WAIT, r -> {
                s.book(r);
                assertSuccess(r);
            });
            shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            s.peers.awaitEnds(WAIT);
            s.ledger.print();
            s.ledger.assertSettled();
            assertEquals(CONNECTIONS + PENDING_ACCEPTS, s.ledger.count("WatcherClosedException"),
                    "requests the shutdown ended at once: the reads and accepts");
            for (int i = 0; i < CONNECTIONS; i++) {
                assertEquals(s.peers.expected[i].length, s.peers.received[i], "bytes connection " + i + " received");
                assertEquals(s.peers.expected[i].length, s.reported[i], "bytes connection " + i + "'s writes report");
            }
        }
        assertPoolBackTo(pool, directBefore, heapBefore);
    }

    /** The deadline passes while the peers read slowly: what remains comes back with what it got out. */
    @Test
    void theDeadlineHandsBackWhatRemains() throws Exception {
        cutShort(false);
    }

    /** {@code close()} during the drain ends it at once, and hands back what remains the same way. */
    @Test
    void closeEndsTheDrain() throws Exception {
        cutShort(true);
    }

    private static void cutShort(boolean byClose) throws Exception {
        PooledByteBufAllocator pool = newPool();
        long directBefore = pool.metric().usedDirectMemory();
        long heapBefore = pool.metric().usedHeapMemory();
        try (Loopback lb = Loopback.open(); Setup s = new Setup(lb, pool)) {
            s.peers.budget = SLOW_BUDGET;
            if (byClose) {
                CompletableFuture<Void> shutdown = inBackground(() -> s.w.shutdownGracefully(WAIT.multipliedBy(2)));
                s.awaitReadsAndAcceptsEnded(CONNECTIONS);
                assertFalse(shutdown.isDone(), "the shutdown ended while writes waited for slow peers");
                s.w.close();
                shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } else {
                s.w.shutdownGracefully(Duration.ofMillis(500));
            }
            int[] unfinished = new int[1];
            collectUntilClosed(s.w, WAIT, r -> {
                s.book(r);
                if (r.operation() == Operation.WRITE && !r.isSuccess()) {
                    assertError(r, WatcherClosedException.class);
                    unfinished[0]++;
                } else if (r.operation() != Operation.WRITE) {
                    assertError(r, WatcherClosedException.class);
                }
            });
            s.peers.budget = Long.MAX_VALUE;
            s.peers.awaitEnds(WAIT);
            s.ledger.print();
            s.ledger.assertSettled();
            System.out.println("writes handed back unfinished: " + unfinished[0] + "; bytes received "
                    + Arrays.toString(s.peers.received));
            // Each connection's last write cannot have finished: its peer read at most SLOW_BUDGET bytes.
            assertTrue(unfinished[0] >= CONNECTIONS, () -> "writes handed back unfinished: " + unfinished[0]);
            assertEquals(CONNECTIONS, s.shutdownsHandedBack, "shutdownOutputs handed back, one per connection");
            for (int i = 0; i < CONNECTIONS; i++) {
                assertEquals(s.reported[i], s.peers.received[i], "connection " + i + ": the bytes its peer "
                        + "received (checked against what was written) against the bytes the write results report");
            }
        }
        assertPoolBackTo(pool, directBefore, heapBefore);
    }

    /** Runs {@code task} on a daemon thread of its own. */
    private static CompletableFuture<Void> inBackground(Runnable task) {
        return CompletableFuture.runAsync(task, r -> {
            Thread t = new Thread(r, "shutdownGracefully");
            t.setDaemon(true);
            t.start();
        });
    }

    /**
     * {@value #CONNECTIONS} loopback pairs on a watcher with the test's pool, each with its read, writes and
     * {@code shutdownOutput} pending, every request booked, and slow peers that read nothing yet.
     */
    private static final class Setup implements AutoCloseable {
        final Watcher w;
        final List<Loopback.Pair> pairs;
        final CompletionLedger ledger = new CompletionLedger("graceful shutdown");
        final Map<Long, ByteBuf> held = new HashMap<>();
        final Map<Long, Integer> connectionOf = new HashMap<>();
        /** Bytes the write results report written, per connection. */
        final long[] reported = new long[CONNECTIONS];
        final SlowPeers peers;
        int shutdownsHandedBack;

        Setup(Loopback lb, PooledByteBufAllocator pool) throws IOException {
            pairs = lb.connect(CONNECTIONS, ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER));
            w = build(newWatcherBuilder().allocator(pool));
            byte[][] expected = new byte[CONNECTIONS][];
            List<SocketChannel> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                Loopback.Pair p = pairs.get(i);
                p.server.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
                clients.add(p.client);
                ByteBuf own = pool.directBuffer(256, 256);
                submit(i, own, id -> w.read(id, p.server, own));
                ByteBuffer stream = ByteBuffer.allocate(Arrays.stream(WRITES).sum());
                for (int k = 0; k < WRITES.length; k++) {
                    byte[] data = randomBytes(WRITES[k], 7_000L * i + k);
                    stream.put(data);
                    ByteBuf b = pool.directBuffer(data.length, data.length).writeBytes(data);
                    submit(i, b, id -> w.write(id, p.server, b));
                }
                submit(i, null, id -> w.shutdownOutput(id, p.server));
                expected[i] = stream.array();
            }
            peers = new SlowPeers(clients, expected);
        }

        private void submit(int connection, ByteBuf buffer, Consumer<Long> submission) {
            Long id = ledger.open();
            connectionOf.put(id, connection);
            if (buffer != null) {
                held.put(id, buffer);
            }
            submission.accept(id);
        }

        /**
         * Collects until {@code n} reads and accepts came back with {@link WatcherClosedException}, booking every
         * completion; anything else must be a write that succeeded (the first, small ones).
         */
        void awaitReadsAndAcceptsEnded(int n) throws InterruptedException {
            int ended = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (ended < n) {
                assertTrue(System.nanoTime() - deadline < 0, () -> "reads and accepts not ended: " + ledger);
                for (OpResult r : w.waitIO(Duration.ofMillis(100))) {
                    book(r);
                    if (r.operation() == Operation.READ || r.operation() == Operation.ACCEPT) {
                        assertError(r, WatcherClosedException.class);
                        ended++;
                    } else {
                        assertEquals(Operation.WRITE, r.operation(), () -> "completed before the peers read: " + r);
                        assertSuccess(r);
                    }
                }
            }
        }

        /**
         * Books a completion: checks that a write reports what its buffer's reader index says, adds its bytes to its
         * connection's, and releases the test's buffer.
         */
        void book(OpResult r) {
            ledger.complete(r);
            Integer i = connectionOf.get((Long) r.context());
            ByteBuf ours = held.remove((Long) r.context());
            if (r.operation() == Operation.WRITE) {
                assertSame(ours, r.buffer(), () -> "the buffer of " + r);
                assertEquals(ours.readerIndex(), r.size(), () -> "what " + r + " reports written");
                assertEquals(r.isSuccess(), !ours.isReadable(), () -> "a write complete iff every byte went: " + r);
                reported[i] += r.size();
            } else if (r.operation() == Operation.READ) {
                assertEquals(0, r.size(), () -> "a read of peers that send nothing: " + r);
            } else if (r.operation() == Operation.SHUTDOWN_OUTPUT && !r.isSuccess()) {
                shutdownsHandedBack++;
            } else if (r.operation() == Operation.ACCEPT) {
                assertNull(r.connection(), () -> "an accept without clients: " + r);
            }
            if (ours != null) {
                ours.release();
            }
        }

        @Override
        public void close() throws InterruptedException {
            w.close();
            peers.close();
            releaseQuietly(held.values());
        }
    }

    /**
     * The peers: one thread reading every client, at most 4 KiB per connection every 10 ms and no further than
     * {@link #budget} bytes per connection, checking each byte against the stream the writes were cut from, until
     * every connection ended (end of stream or reset).
     */
    private static final class SlowPeers implements AutoCloseable {
        final List<SocketChannel> clients;
        final byte[][] expected;
        final long[] received;
        final boolean[] ended;
        final Thread thread;
        /** Bytes per connection the peers may read; 0 holds them back. */
        volatile long budget;
        volatile boolean stop;
        volatile String problem;

        SlowPeers(List<SocketChannel> clients, byte[][] expected) throws IOException {
            this.clients = clients;
            this.expected = expected;
            this.received = new long[clients.size()];
            this.ended = new boolean[clients.size()];
            for (SocketChannel c : clients) {
                c.configureBlocking(false);
            }
            thread = new Thread(this::run, "slow-peers");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            ByteBuffer chunk = ByteBuffer.allocate(4096);
            int open = clients.size();
            try {
                while (open > 0 && !stop && problem == null) {
                    for (int i = 0; i < clients.size(); i++) {
                        long room = budget - received[i];
                        if (ended[i] || room <= 0) {
                            continue;
                        }
                        chunk.clear().limit((int) Math.min(chunk.capacity(), room));
                        int n;
                        try {
                            n = clients.get(i).read(chunk);
                        } catch (IOException reset) {
                            n = -1;
                        }
                        if (n < 0) {
                            ended[i] = true;
                            open--;
                        } else if (n > 0) {
                            check(i, chunk.array(), n);
                        }
                    }
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void check(int i, byte[] got, int n) {
            for (int k = 0; k < n; k++) {
                long at = received[i] + k;
                if (at >= expected[i].length || expected[i][(int) at] != got[k]) {
                    problem = "connection " + i + ": byte " + at + " differs from what was written (or comes after "
                            + "all " + expected[i].length + ")";
                    return;
                }
            }
            received[i] += n;
        }

        /** Waits until every connection ended; fails when that takes longer than {@code timeout}. */
        void awaitEnds(Duration timeout) throws InterruptedException {
            thread.join(timeout.toMillis());
            assertFalse(thread.isAlive(), () -> "connections still open after " + timeout + ": "
                    + IntStream.range(0, ended.length).filter(i -> !ended[i]).boxed().toList());
            if (problem != null) {
                fail(problem);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
