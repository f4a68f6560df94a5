package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.ListenOptions;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Closing a watcher hands back every request still pending, so that the caller can release every buffer: each
 * completes exactly once, with {@link WatcherClosedException} and the bytes it moved, in a last batch, after which
 * {@code waitIO()} throws; a watcher with a completion handler gets them in a last handler call. The buffers come
 * from a pooled allocator of the test's own, which the watcher takes its swap buffers from too: once the caller
 * released what came back, the pool's used memory is back where it was before the watcher, and Netty's paranoid
 * leak detector has nothing to report. On io_uring the writes and the reads into the caller's buffers are lent to
 * the kernel: the close cancels them and waits for the buffers.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CloseHandsBackTest extends TransportTestBase {
    static final int CONNECTIONS = 10_000;
    static final int PENDING_ACCEPTS = 256;
    static final int HELLO = 100;
    static final int MESSAGE = 1024 * 1024;
    static final int SOCKET_BUFFER = 16 * 1024;
    static final int READ_BUFFER = 256;

    /**
     * {@value #CONNECTIONS} connections (as many as the descriptor limit holds, {@link #connectionsThatFit}) from
     * peers in a client process ({@link SilentClientsProcess}) that send a hello and never read. Each accepted
     * connection gets a 1 MiB write (a retained slice of one pooled message), swap-buffer reads for the hello, each
     * slice retained and written back behind the 1 MiB, a read into a pooled buffer of its own and a
     * {@code shutdownOutput}; {@value #PENDING_ACCEPTS} accepts stay pending. Then {@code close()}: every one of those
     * requests comes back once, the writes with the bytes they got out, and the peers see every connection end.
     */
    @Test
    void closeHandsBackEveryPendingRequestOfManyConnections() throws Exception {
        int n = connectionsThatFit(CONNECTIONS, 1, "silent peers in a client process");
        PooledByteBufAllocator pool = newPool();
        long directBefore = pool.metric().usedDirectMemory();
        long heapBefore = pool.metric().usedHeapMemory();
        CompletionLedger ledger = new CompletionLedger("close with requests pending");
        Map<Long, ByteBuf> held = new HashMap<>();
        ByteBuf message = pool.directBuffer(MESSAGE, MESSAGE).writeZero(MESSAGE);
        Watcher w = build(newWatcherBuilder().allocator(pool));
        try {
            Listener l = w.listen(loopback(0), ListenOptions.defaults().backlog(Platform.backlog(4096))
                    .option(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER));
            for (int i = 0; i < PENDING_ACCEPTS; i++) {
                w.accept(ledger.open(), l);
            }
            Platform.reserveSourcePorts(n);
            try (ChildJvm peers = ChildJvm.start(List.of(), SilentClientsProcess.class,
                    l.localAddress().getAddress().getHostAddress(), String.valueOf(l.localAddress().getPort()),
                    String.valueOf(n), String.valueOf(HELLO), String.valueOf(SOCKET_BUFFER))) {
                Server server = new Server(w, l, ledger, held, message, pool, n);
                server.serveUntilEveryRequestPends();
                assertEquals("CONNECTED " + n, peers.next("CONNECTED"));
                Map<Operation, Integer> pending = server.pending;
                assertEquals(PENDING_ACCEPTS, pending.get(Operation.ACCEPT), "accepts pending");
                assertEquals(n, pending.get(Operation.READ), "reads pending, one per connection");
                assertEquals(n, pending.get(Operation.SHUTDOWN_OUTPUT), "shutdownOutputs pending");
                assertTrue(pending.get(Operation.WRITE) >= 2 * n, () -> "writes pending: " + pending);

                long start = System.nanoTime();
                w.close();
                long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                Map<Operation, Integer> handedBack = new EnumMap<>(Operation.class);
                long[] written = new long[1];
                ledger.awaitClosed(w, WAIT, r -> {
                    handedBack.merge(r.operation(), 1, Integer::sum);
                    written[0] += checkHandedBack(r, held.remove((Long) r.context()), l);
                });
                ledger.print();
                System.out.println("close() with " + ledger.count("WatcherClosedException") + " requests pending on "
                        + n + " connections took " + closeMillis + " ms; the 1 MiB writes had got " + written[0]
                        + " bytes out");
                ledger.assertSettled();
                assertEquals(pending, handedBack, "requests handed back by the close, by operation");
                assertTrue(held.isEmpty(), () -> held.size() + " buffers never came back");

                peers.send("CHECK");
                assertEquals("ENDED " + n, peers.next("ENDED"), "connections the peers saw end after the close");
                peers.assertExitedCleanly(WAIT);
            }
        } finally {
            w.close();
            releaseQuietly(held.values());
            message.release();
        }
        assertPoolBackTo(pool, directBefore, heapBefore);
    }

    /**
     * Checks one request the close handed back and releases the caller's buffer it holds ({@code ours}); returns the
     * bytes a write got out.
     */
    private static long checkHandedBack(OpResult r, ByteBuf ours, Listener l) {
        assertError(r, WatcherClosedException.class);
        switch (r.operation()) {
            case ACCEPT:
                assertNull(r.connection(), () -> "an accept handed back with a connection: " + r);
                assertSame(l, r.listener());
                return 0;
            case SHUTDOWN_OUTPUT:
                return 0;
            case READ:
                assertSame(ours, r.buffer(), () -> "a read handed back with another buffer: " + r);
                assertEquals(0, r.size(), () -> "a read the silent peer never fed: " + r);
                assertEquals(0, ours.writerIndex(), "the buffer of a read nothing arrived for");
                assertEquals(1, ours.refCnt(), "the caller's reference on its read buffer");
                ours.release();
                return 0;
            case WRITE:
                assertSame(ours, r.buffer(), () -> "a write handed back with another buffer: " + r);
                assertEquals(ours.readerIndex(), r.size(), () -> "the size of a write handed back: " + r);
                assertTrue(ours.isReadable(), () -> "a write handed back with every byte written: " + r);
                ours.release();
                return r.size();
            default:
                fail("unexpected " + r);
                return 0;
        }
    }

    /**
     * The server side of {@link #closeHandsBackEveryPendingRequestOfManyConnections}: accepts, then puts each
     * connection's requests in place as its hello arrives, books every request, and counts what stays pending.
     */
    private static final class Server {
        final Watcher w;
        final Listener l;
        final CompletionLedger ledger;
        final Map<Long, ByteBuf> held;
        final ByteBuf message;
        final PooledByteBufAllocator pool;
        final int connections;
        final Map<Operation, Integer> pending = new EnumMap<>(Operation.class);
        /** Hello bytes read so far, by connection. */
        final Map<Object, Integer> hello = new IdentityHashMap<>();
        int accepted;
        int ready;

        Server(Watcher w, Listener l, CompletionLedger ledger, Map<Long, ByteBuf> held, ByteBuf message,
               PooledByteBufAllocator pool, int connections) {
            this.w = w;
            this.l = l;
            this.ledger = ledger;
            this.held = held;
            this.message = message;
            this.pool = pool;
            this.connections = connections;
            pending.put(Operation.ACCEPT, PENDING_ACCEPTS);
        }

        /** Collects until every connection read its whole hello and has its last requests pending. */
        void serveUntilEveryRequestPends() throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.multipliedBy(4).toNanos();
            while (ready < connections) {
                if (System.nanoTime() - deadline > 0) {
                    fail("only " + ready + " of " + connections + " connections got their requests in place ("
                            + accepted + " accepted): " + ledger);
                }
                for (OpResult r : w.waitIO(Duration.ofMillis(100))) {
                    ledger.complete(r);
                    assertSuccess(r);
                    pending.merge(r.operation(), -1, Integer::sum);
                    if (r.operation() == Operation.ACCEPT) {
                        accepted(r.connection());
                    } else if (r.operation() == Operation.READ) {
                        helloArrived(r);
                    } else {
                        fail("nothing but accepts and hello reads may complete before the close: " + r);
                    }
                }
            }
        }

        private void accepted(Object c) {
            accepted++;
            // Replaced, so that PENDING_ACCEPTS stay pending when every connection is in.
            submit(Operation.ACCEPT, null, id -> w.accept(id, l));
            ByteBuf slice = message.retainedSlice();
            submit(Operation.WRITE, slice, id -> w.write(id, c, slice));
            submit(Operation.READ, null, id -> w.read(id, c, null));
        }

        private void helloArrived(OpResult r) {
            Object c = r.connection();
            assertTrue(r.isSwapBuffer(), () -> "a read without a buffer: " + r);
            ByteBuf slice = r.buffer().retain();
            submit(Operation.WRITE, slice, id -> w.write(id, c, slice));
            int got = hello.merge(c, r.size(), Integer::sum);
            if (got < HELLO) {
                submit(Operation.READ, null, id -> w.read(id, c, null));
                return;
            }
            assertEquals(HELLO, got, "hello bytes");
            ByteBuf own = pool.directBuffer(READ_BUFFER, READ_BUFFER);
            submit(Operation.READ, own, id -> w.read(id, c, own));
            submit(Operation.SHUTDOWN_OUTPUT, null, id -> w.shutdownOutput(id, c));
            ready++;
        }

        private void submit(Operation op, ByteBuf buffer, Consumer<Long> submission) {
            Long id = ledger.open();
            if (buffer != null) {
                held.put(id, buffer);
            }
            pending.merge(op, 1, Integer::sum);
            submission.accept(id);
        }
    }

    /**
     * A watcher with a completion handler gets what its close hands back in a last handler call on the event loop,
     * also when the handler itself closes the watcher: 200 loopback connections, each with a 1 MiB write to a peer
     * that does not read, a read into a pooled buffer and a {@code shutdownOutput}; one more connection's swap read
     * completes when its peer sends a byte, and the handler closes the watcher on that completion. The handler is
     * never entered twice at once, releases every buffer it gets back, and every request completes exactly once.
     */
    @Test
    void closeHandsBackToTheCompletionHandler() throws Exception {
        for (boolean fromHandler : new boolean[] {false, true}) {
            handBackToHandler(fromHandler);
        }
    }

    private static void handBackToHandler(boolean closeFromHandler) throws Exception {
        int n = 200;
        PooledByteBufAllocator pool = newPool();
        long directBefore = pool.metric().usedDirectMemory();
        long heapBefore = pool.metric().usedHeapMemory();
        CompletionLedger ledger = new CompletionLedger("close from " + (closeFromHandler ? "the handler" : "a thread"));
        Map<Long, ByteBuf> held = new ConcurrentHashMap<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        AtomicBoolean inHandler = new AtomicBoolean();
        AtomicInteger lastCalls = new AtomicInteger();
        ByteBuf message = pool.directBuffer(MESSAGE, MESSAGE).writeZero(MESSAGE);
        Watcher[] w = new Watcher[1];
        try (Loopback lb = Loopback.open()) {
            List<Loopback.Pair> pairs = lb.connect(n + 1,
                    ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER));
            Loopback.Pair trigger = pairs.get(n);
            w[0] = build(newWatcherBuilder().allocator(pool).completionHandler(batch -> {
                if (!inHandler.compareAndSet(false, true)) {
                    problems.add("the handler was entered while it ran");
                }
                boolean closing = false;
                for (OpResult r : batch) {
                    ledger.complete(r);
                    ByteBuf ours = held.remove((Long) r.context());
                    if (ours != null) {
                        ours.release();
                    }
                    if (r.connection() == trigger.server && r.isSuccess()) {
                        closing = true;
                    } else if (!(r.error() instanceof WatcherClosedException)) {
                        problems.add("not handed back by the close: " + r);
                    }
                }
                if (batch.stream().anyMatch(r -> r.error() instanceof WatcherClosedException)) {
                    lastCalls.incrementAndGet();
                }
                if (closing) {
                    w[0].close();
                }
                inHandler.set(false);
            }));
            for (int i = 0; i < n; i++) {
                Loopback.Pair p = pairs.get(i);
                p.server.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
                submit(ledger, held, message.retainedSlice(), (id, b) -> w[0].write(id, p.server, b));
                submit(ledger, held, pool.directBuffer(READ_BUFFER, READ_BUFFER),
                        (id, b) -> w[0].read(id, p.server, b));
                submit(ledger, held, null, (id, b) -> w[0].shutdownOutput(id, p.server));
            }
            submit(ledger, held, null, (id, b) -> w[0].read(id, trigger.server, null));
            if (closeFromHandler) {
                sendAll(trigger.client, new byte[] {1});
                ledger.awaitBookedElsewhere(WAIT);
            } else {
                assertEquals(0, ledger.completed(), "completions before the close");
                w[0].close();
                assertEquals(0, ledger.outstanding(), () -> "requests not handed back when close() returned: "
                        + ledger);
            }
            w[0].close();
            ledger.print();
            ledger.assertSettled();
            assertEquals(List.of(), problems);
            assertEquals(1, lastCalls.get(), "handler calls with requests the close handed back");
            assertEquals(3L * n + (closeFromHandler ? 0 : 1), ledger.count("WatcherClosedException"),
                    "requests handed back");
            assertTrue(held.isEmpty(), () -> held.size() + " buffers never came back");
        } finally {
            if (w[0] != null) {
                w[0].close();
            }
            releaseQuietly(held.values());
            message.release();
        }
        assertFalse(inHandler.get(), "the handler still runs");
        assertPoolBackTo(pool, directBefore, heapBefore);
    }

    private interface Submission {
        void submit(Long id, ByteBuf buffer);
    }

    private static void submit(CompletionLedger ledger, Map<Long, ByteBuf> held, ByteBuf buffer, Submission s) {
        Long id = ledger.open();
        if (buffer != null) {
            held.put(id, buffer);
        }
        s.submit(id, buffer);
    }
}
