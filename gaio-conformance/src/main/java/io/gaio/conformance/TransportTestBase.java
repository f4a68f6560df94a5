package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.TransportStatus;
import io.gaio.Transports;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PoolChunkListMetric;
import io.netty.buffer.PoolChunkMetric;
import io.netty.buffer.PoolSubpageMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * The base of every conformance test class: selects the transport under test, checks that a test class leaves no
 * file descriptor and no buffer behind, and offers the helpers the tests share.
 *
 * <p>Before the tests of a class run, the transport named by {@code -Dgaio.transport} is looked up in
 * {@link Transports#list()}; when it is missing or cannot run here, every test of the class is skipped with the
 * cause. Then one echo round trip warms up lazily opened descriptors (jar files, native libraries; the JDK's random
 * sources, which TLS handshakes open, are opened first) and the number of open descriptors ({@code /proc/self/fd} on
 * Linux, {@code /dev/fd} on macOS: {@link Platform}) is taken as the baseline. After the tests the count must come
 * back to that baseline within ten seconds (closes may be asynchronous), and garbage is collected and pooled buffers
 * allocated so that Netty's paranoid leak detector reports any leaked buffer as a {@code LEAK:} line.
 *
 * <p>Tests create watchers with {@link #newWatcher()} or {@link #newWatcherBuilder()}, never naming a transport, so
 * that the same suite runs on every transport module. Tests with thousands of connections scale them to the
 * process's descriptor limit ({@link #connectionsThatFit}); {@link Platform} has every other limit of the machine and
 * the system properties that impose macOS's on Linux.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class TransportTestBase {
    /** The longest any single wait in a test may take before the test fails instead of hanging. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private static final Duration FD_SETTLE = Duration.ofSeconds(10);

    private static TransportStatus transport;
    private static Map<String, String> fdBaseline;
    private static String unavailable;

    /** Only the conformance tests of this package extend the base. */
    TransportTestBase() {
    }

    /**
     * Finds the transport under test; when it can run here, warms up and records the open descriptors. When it
     * cannot, {@link #requireTransport()} skips every test of the class. (An assumption failing in a
     * {@code @BeforeAll} method would abort the class silently: surefire reports no test at all, and no cause.)
     */
    @BeforeAll
    static void selectTransportAndRecordDescriptors() throws Exception {
        transport = null;
        fdBaseline = null;
        unavailable = null;
        String name = System.getProperty(Transports.TRANSPORT_PROPERTY);
        if (name == null || name.isBlank()) {
            unavailable = "no transport under test: run with -D" + Transports.TRANSPORT_PROPERTY + "=NAME";
            return;
        }
        List<TransportStatus> all = Transports.list();
        TransportStatus status = all.stream().filter(s -> s.name().equals(name.trim())).findFirst().orElse(null);
        if (status == null) {
            unavailable = "transport " + name + " unavailable here: not on the class path (found " + all + ")";
        } else if (!status.isAvailable()) {
            unavailable = "transport " + name + " unavailable here: " + status.unavailabilityCause();
        } else {
            transport = status;
            warmUp();
            fdBaseline = openDescriptors();
        }
    }

    /** Skips the test, reporting the cause, when the transport under test cannot run here. */
    @BeforeEach
    void requireTransport() {
        Assumptions.assumeTrue(unavailable == null, unavailable);
    }

    /** Fails when descriptors stay open after the class; then makes Netty report leaked buffers. */
    @AfterAll
    static void checkDescriptorsAndBuffers() throws Exception {
        try {
            if (fdBaseline != null) {
                Map<String, String> now = openDescriptors();
                long deadline = System.nanoTime() + FD_SETTLE.toNanos();
                while (now.size() > fdBaseline.size() && System.nanoTime() - deadline < 0) {
                    Thread.sleep(50);
                    now = openDescriptors();
                }
                if (now.size() > fdBaseline.size()) {
                    Map<String, String> extra = new TreeMap<>(now);
                    extra.entrySet().removeIf(e -> e.getValue().equals(fdBaseline.get(e.getKey())));
                    fail("file descriptors leaked: " + now.size() + " open after the tests, " + fdBaseline.size()
                            + " before (after warm-up); new or changed: "
                            + extra.entrySet().stream().limit(20).map(e -> e.getKey() + " -> " + e.getValue())
                            .collect(Collectors.joining(", ")));
                }
            }
        } finally {
            triggerLeakDetection();
        }
    }

    // ---- the transport and watchers ----

    /** The transport under test. */
    static TransportStatus transport() {
        return transport;
    }

    /** A watcher with default settings on the transport under test (selected through the system property). */
    static Watcher newWatcher() {
        return checkTransport(Watcher.open());
    }

    /** A builder for a watcher on the transport under test; it must not name a transport. */
    static Watcher.Builder newWatcherBuilder() {
        return Watcher.builder();
    }

    /** Builds a watcher and checks that it runs on the transport under test. */
    static Watcher build(Watcher.Builder builder) {
        return checkTransport(builder.build());
    }

    private static Watcher checkTransport(Watcher w) {
        if (transport != null && !transport.name().equals(w.transport())) {
            String actual = w.transport();
            w.close();
            fail("a watcher opened with -D" + Transports.TRANSPORT_PROPERTY + "=" + transport.name() + " runs on "
                    + actual);
        }
        return w;
    }

    // ---- results ----

    /**
     * Collects exactly {@code n} completions, calling {@code each} while each result (and its swap-buffer slice) is
     * valid; fails when they do not all arrive within {@code timeout} or when more arrive.
     */
    static void collect(Watcher w, int n, Duration timeout, Consumer<OpResult> each)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int got = 0;
        while (got < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("only " + got + " of " + n + " completions arrived within " + timeout);
            }
            List<OpResult> batch = w.waitIO(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500))));
            for (OpResult r : batch) {
                got++;
                if (got > n) {
                    fail("expected " + n + " completions, got at least one more: " + r);
                }
                each.accept(r);
            }
        }
    }

    /**
     * Collects the completions of a closed (or closing) watcher until {@code waitIO()} throws
     * {@link WatcherClosedException}, which says that every completion was returned, calling {@code each} while each
     * result is valid; returns how many there were. Fails when that takes longer than {@code timeout}.
     */
    static int collectUntilClosed(Watcher w, Duration timeout, Consumer<OpResult> each) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int got = 0;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("waitIO() did not throw WatcherClosedException within " + timeout + " of the close; " + got
                        + " completions came");
            }
            List<OpResult> batch;
            try {
                batch = w.waitIO(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500))));
            } catch (WatcherClosedException e) {
                return got;
            }
            for (OpResult r : batch) {
                got++;
                each.accept(r);
            }
        }
    }

    /**
     * Collects exactly {@code n} completions. Swap-buffer slices in them are no longer valid (the helper called
     * {@code waitIO()} again); use {@link #collect} to look at their bytes.
     */
    static List<OpResult> awaitResults(Watcher w, int n) throws InterruptedException {
        List<OpResult> results = new ArrayList<>(n);
        collect(w, n, WAIT, results::add);
        return results;
    }

    /** Collects exactly one completion. */
    static OpResult awaitResult(Watcher w) throws InterruptedException {
        return awaitResults(w, 1).get(0);
    }

    /** Fails if anything completes within {@code d}. */
    static void assertNoCompletion(Watcher w, Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            List<OpResult> batch = w.waitIO(Duration.ofNanos(left));
            assertTrue(batch.isEmpty(), () -> "nothing should have completed, but got " + batch);
        }
    }

    /** Checks what a result says it completed: the operation, the very context and the very connection. */
    static void assertCompletes(OpResult r, Operation op, Object context, Object connection) {
        assertNotNull(r, "result");
        assertEquals(op, r.operation(), () -> "operation of " + r);
        assertSame(context, r.context(), () -> "context of " + r);
        assertSame(connection, r.connection(), () -> "connection of " + r);
    }

    /** Fails with the result's error, stack trace included, unless it succeeded. */
    static void assertSuccess(OpResult r) {
        if (!r.isSuccess()) {
            StringWriter trace = new StringWriter();
            r.error().printStackTrace(new PrintWriter(trace));
            fail("expected success, got " + r + "\n" + trace);
        }
    }

    /** Checks that a result failed with an error of {@code type} and returns the error. */
    static <T extends Throwable> T assertError(OpResult r, Class<T> type) {
        assertNotNull(r.error(), () -> "expected " + type.getSimpleName() + ", got success: " + r);
        return assertInstanceOf(type, r.error(), () -> "error of " + r);
    }

    /** 127.0.0.1 and {@code port}; port 0 lets the kernel choose. */
    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    // ---- buffers and data ----

    /**
     * A pooled allocator of the test's own, to hand to a watcher's builder and allocate the test's buffers from: one
     * arena of each kind and no thread caches, so that a released buffer goes straight back to its pool chunk and
     * the pool's used memory says what live buffers hold.
     */
    static PooledByteBufAllocator newPool() {
        return new PooledByteBufAllocator(true, 1, 1, PooledByteBufAllocator.defaultPageSize(),
                PooledByteBufAllocator.defaultMaxOrder(), 0, 0, false);
    }

    /**
     * Fails unless every buffer of {@code pool} was released: no live allocation in any arena, no byte pinned by a
     * live buffer, and the pool's used memory back to what it was before the test ({@code direct} and {@code heap}
     * bytes, from {@code metric().usedDirectMemory()} and {@code usedHeapMemory()}) but for the memory the pool
     * keeps with no buffer in it: Netty never frees a chunk of an arena's first list, nor the last empty subpage of a
     * size, whether or not a buffer uses them ({@link #keptEmpty}).
     */
    static void assertPoolBackTo(PooledByteBufAllocator pool, long direct, long heap) {
        PooledByteBufAllocatorMetric m = pool.metric();
        long live = 0;
        for (PoolArenaMetric arena : m.directArenas()) {
            live += arena.numActiveAllocations();
        }
        for (PoolArenaMetric arena : m.heapArenas()) {
            live += arena.numActiveAllocations();
        }
        assertEquals(0, live, () -> "buffers of the pool never released: " + m);
        assertEquals(0, pool.pinnedDirectMemory(), () -> "direct memory held by live buffers: " + m);
        assertEquals(0, pool.pinnedHeapMemory(), () -> "heap memory held by live buffers: " + m);
        long keptDirect = keptEmpty(m.directArenas());
        long keptHeap = keptEmpty(m.heapArenas());
        System.out.println("the pool after the test: " + m + "; of that kept empty: direct " + keptDirect + ", heap "
                + keptHeap);
        assertEquals(direct, m.usedDirectMemory() - keptDirect, () -> "the pool's used direct memory, less what it "
                + "keeps empty (" + keptDirect + " bytes): " + m);
        assertEquals(heap, m.usedHeapMemory() - keptHeap, () -> "the pool's used heap memory, less what it keeps "
                + "empty (" + keptHeap + " bytes): " + m);
    }

    /** Bytes of the arenas' chunks that hold no buffer: free, or in an empty subpage kept for its size. */
    static long keptEmpty(List<PoolArenaMetric> arenas) {
        long bytes = 0;
        for (PoolArenaMetric arena : arenas) {
            for (PoolChunkListMetric list : arena.chunkLists()) {
                for (PoolChunkMetric chunk : list) {
                    bytes += chunk.freeBytes();
                }
            }
            for (PoolSubpageMetric subpage : arena.smallSubpages()) {
                if (subpage.numAvailable() == subpage.maxNumElements()) {
                    bytes += (long) subpage.elementSize() * subpage.maxNumElements();
                }
            }
        }
        return bytes;
    }

    /** Reproducible pseudo-random bytes. */
    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A pooled direct buffer with {@code capacity} writable bytes (and no room to grow). */
    static ByteBuf directBuffer(int capacity) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(capacity, capacity);
    }

    /** A pooled direct buffer holding {@code data}. */
    static ByteBuf bufferOf(byte[] data) {
        return directBuffer(data.length).writeBytes(data);
    }

    /** The readable bytes of a buffer, leaving its indexes alone. */
    static byte[] readable(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }

    /**
     * Releases the one reference the caller holds on each buffer that is still live; for cleanup paths, where a
     * failed test may have left any state. Never pass a buffer released before: pooled buffer objects are recycled,
     * so its reference count may by now be another buffer's.
     */
    static void releaseQuietly(ByteBuf... buffers) {
        for (ByteBuf b : buffers) {
            if (b != null && b.refCnt() > 0) {
                b.release();
            }
        }
    }

    /** Releases every live buffer of a collection. */
    static void releaseQuietly(Collection<? extends ByteBuf> buffers) {
        buffers.forEach(TransportTestBase::releaseQuietly);
    }

    // ---- echo through watchers ----

    /**
     * Echoes through {@code watchers} (connection {@code i} on watcher {@code i % watchers.size()}, each closed at
     * the end): {@code clients} connections, each sending {@code rounds} messages of {@code messageSize}
     * reproducible bytes and waiting for each to come back. Fails when a byte comes back wrong or not at all, or
     * when an echo server saw the watcher misbehave.
     */
    static void runEcho(List<Watcher> watchers, EchoServer.ReadMode mode, int serverBufferSize,
                        int clients, int rounds, int messageSize, long seed, Duration timeout) throws Exception {
        List<EchoServer> servers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); ClientDriver driver = new ClientDriver()) {
            try {
                for (int i = 0; i < watchers.size(); i++) {
                    servers.add(new EchoServer(watchers.get(i), mode, serverBufferSize, seed + i));
                }
                List<Loopback.Pair> pairs = lb.connect(clients);
                for (int i = 0; i < clients; i++) {
                    List<byte[]> messages = new ArrayList<>(rounds);
                    for (int r = 0; r < rounds; r++) {
                        messages.add(randomBytes(messageSize, seed * 1_000_003L + i * 1009L + r));
                    }
                    driver.addEcho(pairs.get(i).client, messages);
                    servers.get(i % servers.size()).serve(pairs.get(i).server);
                }
                try {
                    driver.run(timeout);
                    for (int i = 0; i < servers.size(); i++) {
                        int expected = clients / servers.size() + (i < clients % servers.size() ? 1 : 0);
                        EchoServer server = servers.get(i);
                        assertTrue(server.awaitClosed(expected, WAIT.toSeconds(), TimeUnit.SECONDS),
                                () -> "the echo server saw the end of stream of only " + server.closedConnections()
                                        + " of " + expected + " connections; failures: " + server.failures());
                    }
                } catch (AssertionError e) {
                    for (EchoServer server : servers) {
                        server.failures().stream().limit(10).forEach(f -> e.addSuppressed(new AssertionError(f)));
                    }
                    throw e;
                }
                for (EchoServer server : servers) {
                    assertEquals(List.of(), server.failures().stream().limit(20).collect(Collectors.toList()),
                            "what the echo server saw going wrong");
                }
            } finally {
                // Before the loopback closes the connections: the watchers own their server ends.
                servers.forEach(EchoServer::close);
                watchers.forEach(Watcher::close);
            }
        }
    }

    /**
     * One echo through the server end of {@code p} on {@code w}, every request booked in {@code ledger}: the client
     * sends {@code size} reproducible bytes, swap-buffer reads get them, one write sends them back, and the client
     * must read them back intact. Nothing else may complete on {@code w} meanwhile. The reliability tests use it to
     * show that a watcher keeps serving its other connections after a fault on one.
     */
    static void assertEchoes(Watcher w, CompletionLedger ledger, Loopback.Pair p, int size, long seed)
            throws Exception {
        assertEchoes(w, ledger, p.server, p.client, size, seed);
    }

    /**
     * {@link #assertEchoes(Watcher, CompletionLedger, Loopback.Pair, int, long)} through {@code connection} on
     * {@code w} (a delegated object or a {@link io.gaio.Connection} of {@code w}), whose peer is {@code peer}.
     */
    static void assertEchoes(Watcher w, CompletionLedger ledger, Object connection, SocketChannel peer, int size,
                             long seed) throws Exception {
        byte[] data = randomBytes(size, seed);
        sendAll(peer, data);
        ByteBuf echo = directBuffer(size);
        try {
            while (echo.isWritable()) {
                Long id = ledger.open();
                w.read(id, connection, null);
                collect(w, 1, WAIT, r -> {
                    ledger.complete(r);
                    assertCompletes(r, Operation.READ, id, connection);
                    assertSuccess(r);
                    echo.writeBytes(r.buffer());
                });
            }
            Long id = ledger.open();
            w.write(id, connection, echo);
            OpResult r = ledger.await(w, 1).get(0);
            assertCompletes(r, Operation.WRITE, id, connection);
            assertSuccess(r);
            assertTrue(Arrays.equals(data, readExactly(peer, size, WAIT)), "the echo came back different");
        } finally {
            echo.release();
        }
    }

    /**
     * Ends an {@link EchoServer} run that accepts from {@code listener}
     * ({@link EchoServer#acceptFrom(Listener, CompletionLedger, int)}): waits until the server saw the end of
     * {@code connections} connections, closes the listener, and checks the books: every accept completed exactly
     * once, {@code connections} of them with a connection, the {@code pending} still pending with
     * ConnectionClosedException, none failed, and the server saw nothing go wrong.
     */
    static void assertAcceptedOnce(EchoServer server, Listener listener, CompletionLedger accepts,
                                   int connections, int pending) throws InterruptedException {
        assertTrue(server.awaitClosed(connections, WAIT.toSeconds(), TimeUnit.SECONDS), () -> "the echo server saw "
                + "the end of " + server.closedConnections() + " of " + connections + " connections");
        listener.close();
        accepts.awaitBookedElsewhere(WAIT);
        accepts.print();
        accepts.assertSettled();
        assertEquals(connections, accepts.count("ok"), "connections accepted");
        assertEquals(pending, accepts.count("ConnectionClosedException"), "accepts pending when the listener closed");
        assertEquals(0, server.acceptFailures(), () -> "failed accepts, the last: " + server.lastAcceptError());
        assertEquals(List.of(), server.failures().stream().limit(20).collect(Collectors.toList()),
                "what the echo server saw going wrong");
    }

    /** {@link #runEcho(List, EchoServer.ReadMode, int, int, int, int, long, Duration)} on one watcher. */
    static void runEcho(Watcher watcher, EchoServer.ReadMode mode, int serverBufferSize, int clients,
                                  int rounds, int messageSize, long seed, Duration timeout) throws Exception {
        runEcho(List.of(watcher), mode, serverBufferSize, clients, rounds, messageSize, seed, timeout);
    }

    // ---- the peer's side: blocking JDK channels ----

    /** Writes all of {@code data} (blocking). */
    static void sendAll(SocketChannel ch, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads exactly {@code n} bytes, failing on end of stream or when they do not arrive in time. */
    static byte[] readExactly(SocketChannel ch, int n, Duration timeout) throws IOException {
        byte[] out = new byte[n];
        InputStream in = ch.socket().getInputStream();
        long deadline = System.nanoTime() + timeout.toNanos();
        int got = 0;
        while (got < n) {
            setTimeout(ch, deadline, () -> "timed out after " + n + " expected bytes");
            int k;
            try {
                k = in.read(out, got, n - got);
            } catch (SocketTimeoutException e) {
                continue;
            }
            if (k < 0) {
                fail("end of stream after " + got + " of " + n + " expected bytes");
            }
            got += k;
        }
        return out;
    }

    /** Reads until end of stream, failing if bytes arrive, the connection is reset, or nothing happens in time. */
    static void awaitEof(SocketChannel ch, Duration timeout) throws IOException {
        InputStream in = ch.socket().getInputStream();
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] scratch = new byte[4096];
        while (true) {
            setTimeout(ch, deadline, () -> "the peer did not close the connection within " + timeout);
            int k;
            try {
                k = in.read(scratch);
            } catch (SocketTimeoutException e) {
                continue;
            }
            if (k < 0) {
                return;
            }
            fail("expected end of stream, got " + k + " bytes");
        }
    }

    /** What {@link #awaitClosedOrReset} returns when the peer did not close in time. */
    static final Throwable NOT_CLOSED = new Throwable("the peer did not close the connection in time");

    /**
     * Reads until the peer closes: {@code null} at end of stream, the error when the connection was reset, or
     * {@link #NOT_CLOSED} when neither happened within {@code timeout}. Bytes that arrive are skipped.
     */
    static Throwable awaitClosedOrReset(SocketChannel ch, Duration timeout) throws IOException {
        InputStream in = ch.socket().getInputStream();
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] scratch = new byte[4096];
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return NOT_CLOSED;
            }
            ch.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            try {
                if (in.read(scratch) < 0) {
                    return null;
                }
            } catch (SocketTimeoutException e) {
                // try again until the deadline
            } catch (IOException e) {
                return e;
            }
        }
    }

    private static void setTimeout(SocketChannel ch, long deadline, Supplier<String> message)
            throws IOException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            fail(message.get());
        }
        ch.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, left)));
    }

    // ---- resources ----

    /** Closes, ignoring errors. */
    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // cleanup path
            }
        }
    }

    /** Closes every element, ignoring errors. */
    static void closeAll(Collection<? extends AutoCloseable> all) {
        for (AutoCloseable c : all) {
            closeQuietly(c);
        }
    }

    /** Collects garbage until {@code condition} holds; fails when it does not within {@code timeout}. */
    static void gcUntil(BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(what + " did not happen within " + timeout + " of forced garbage collection");
            }
            System.gc();
            Thread.sleep(50);
        }
    }

    /** Waits until {@code condition} holds; fails, saying {@code what}, when it does not within {@code timeout}. */
    static void awaitCondition(BooleanSupplier condition, Duration timeout, Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + timeout + ": " + what.get());
            }
            Thread.sleep(10);
        }
    }

    /** Fails unless a new JDK listener can bind {@code address} at once: nothing listens there any more. */
    static void assertCanListenOn(InetSocketAddress address) throws IOException {
        assertTrue(canListenOn(address), () -> "the port of a closed listener cannot be bound again at once: "
                + address);
    }

    /** Whether a new JDK listener can bind {@code address} now. */
    static boolean canListenOn(InetSocketAddress address) {
        try (ServerSocketChannel again = ServerSocketChannel.open()) {
            again.bind(address);
            return true;
        } catch (BindException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether this platform lets the suite count open descriptors. */
    static boolean canCountDescriptors() {
        return Platform.canListDescriptors();
    }

    /**
     * The process's open descriptors and what they point to (or, where that cannot be read, their file type and key);
     * {@code null} where they cannot be listed.
     */
    static Map<String, String> openDescriptors() throws IOException {
        return Platform.openDescriptors();
    }

    /** The number of open descriptors, or -1 where that cannot be known. */
    static int openDescriptorCount() throws IOException {
        return Platform.openDescriptorCount();
    }

    /**
     * How many of {@code wanted} connections fit in the process's descriptor limit, each holding {@code each}
     * descriptors in this JVM: {@code wanted} where the limit allows (20,000 holds every count of the suite), fewer
     * under a lower one (macOS's JVM raises its limit to 10,240 only); see {@link Platform#connectionsThatFit}.
     */
    static int connectionsThatFit(int wanted, int each, String what) throws IOException {
        return Platform.connectionsThatFit(wanted, each, what);
    }

    /**
     * Waits up to ten seconds (closes may be asynchronous) for the open descriptors to be at most {@code expected};
     * fails otherwise, saying {@code when}.
     */
    static void awaitDescriptorsAtMost(int expected, String when) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + FD_SETTLE.toNanos();
        int now;
        while ((now = openDescriptorCount()) > expected && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        int open = now;
        assertTrue(open <= expected, () -> "open descriptors " + when + ": " + open + ", expected at most "
                + expected);
    }

    private static void warmUp() throws Exception {
        // The JDK's NativePRNG opens /dev/random and /dev/urandom on first use (the TLS tests' handshakes) and keeps
        // them for the JVM's life.
        new SecureRandom().nextBytes(new byte[8]);
        byte[] ping = {42};
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, ping);
            w.read(null, p.server, null);
            ByteBuf echo = directBuffer(1);
            try {
                collect(w, 1, WAIT, r -> {
                    assertSuccess(r);
                    echo.writeBytes(r.buffer());
                });
                w.write(null, p.server, echo);
                assertSuccess(awaitResult(w));
            } finally {
                echo.release();
            }
            assertTrue(Arrays.equals(ping, readExactly(p.client, 1, WAIT)), "warm-up echo");
        }
    }

    /**
     * Collects garbage and allocates, so that Netty's leak detector reports leaked buffers as {@code LEAK:} lines; also
     * for child JVMs, before they exit.
     */
    static void triggerLeakDetection() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        // Netty's leak detector reports collected, unreleased buffers when it tracks a new allocation.
        for (int i = 0; i < 8; i++) {
            PooledByteBufAllocator.DEFAULT.directBuffer(1024).release();
            PooledByteBufAllocator.DEFAULT.heapBuffer(1024).release();
        }
    }
}
