package io.gaio.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.Transports;
import io.gaio.Watcher;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The relay on real loopback sockets, on each transport that runs here: bytes arrive intact, a slow destination holds
 * the source back with the relay's memory bounded, a half-close goes through in both directions while the other
 * direction goes on, and closing the relay hands back every buffer and descriptor. No timing is asserted; every wait
 * has a generous limit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayTest {
    private static final int MIB = 1024 * 1024;
    /** What the fast source pushes through the relay. */
    private static final long TOTAL = 64L * MIB;
    /** What the destination reads slowly (4 KiB reads, a millisecond's sleep after each) before it reads fast. */
    private static final long SLOW_PART = 4L * MIB;
    /** What a client sends to the echo server behind the relay, half-closing at once, and must get back. */
    private static final long ECHOED = 20L * MIB;
    /**
     * The most the relay's allocator may have handed out to live buffers at any time: the relay holds one chunk of
     * at most a swap buffer (64 KiB) per direction, the watcher a few swap buffers. A relay that read ahead of its
     * writes would hold most of the 60 MiB the source still had to send.
     */
    private static final long PINNED_BOUND = 1L * MIB;
    /** The most memory the allocator may have reserved from the system (whole 256 KiB pool chunks). */
    private static final long RESERVED_BOUND = 2L * MIB;
    private static final long WAIT_MILLIS = 30_000;

    /** Where the process's descriptors are listed: /proc/self/fd on Linux, /dev/fd where there is no /proc (macOS). */
    private static final Path FD_DIR = Files.isDirectory(Path.of("/proc/self/fd")) ? Path.of("/proc/self/fd")
            : Path.of("/dev/fd");

    @BeforeAll
    static void warmUp() throws Exception {
        // Lazily opened descriptors (native libraries, jars, the epoll transport's descriptor-passing socket pair)
        // must be open before a test takes its descriptor baseline.
        for (String transport : List.of("nio", "epoll")) {
            if (available(transport)) {
                try (Setup s = new Setup(transport); SocketChannel source = s.connectSource();
                     SocketChannel destination = s.acceptDestination()) {
                    source.write(ByteBuffer.wrap(new byte[] {42}));
                    readExactly(destination, 1);
                }
            }
        }
    }

    @AfterAll
    static void reportLeaks() throws InterruptedException {
        // Netty's leak detector reports collected, unreleased buffers when it tracks a new allocation.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        for (int i = 0; i < 8; i++) {
            PooledByteBufAllocator.DEFAULT.directBuffer(1024).release();
        }
    }

    /**
     * A fast source pushes 64 MiB through the relay to a destination that first reads 4 MiB slowly, then the rest
     * fast. While the destination is slow the source must be held back (its writes block), and the relay's buffers
     * must stay within a small bound; every byte must arrive once and in order, followed by the end of stream.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void slowDestinationHoldsTheSourceBackWithBoundedMemory(String transport) throws Exception {
        assumeTrue(available(transport), () -> transport + " cannot run here");
        try (Setup s = new Setup(transport); SocketChannel source = s.connectSource();
             SocketChannel destination = s.acceptDestination()) {
            AtomicLong sent = new AtomicLong();
            AtomicReference<Throwable> sourceFailure = new AtomicReference<>();
            Thread sourceThread = new Thread(() -> {
                try {
                    pushPattern(source, TOTAL, sent);
                    source.shutdownOutput();
                    // The destination's end comes back only once it ended its side too (below).
                    assertEquals(-1, source.read(ByteBuffer.allocate(1)), "the destination's end reaches the source");
                } catch (Throwable t) {
                    sourceFailure.set(t);
                }
            }, "relay-test-source");
            sourceThread.start();

            long received = 0;
            long maxPinned = 0;
            long maxReserved = 0;
            long maxBacklog = 0;
            ByteBuffer small = ByteBuffer.allocate(4096);
            while (received < SLOW_PART) {
                small.clear();
                int n = destination.read(small);
                assertTrue(n > 0, "end of stream after only " + received + " bytes");
                received = checkPattern(small, received);
                maxPinned = Math.max(maxPinned, s.allocator.pinnedDirectMemory());
                maxReserved = Math.max(maxReserved, s.allocator.metric().usedDirectMemory());
                maxBacklog = Math.max(maxBacklog, sent.get() - received);
                Thread.sleep(1);
            }
            long sentWhenSlow = sent.get();

            ByteBuffer big = ByteBuffer.allocate(256 * 1024);
            while (true) {
                big.clear();
                int n = destination.read(big);
                if (n < 0) {
                    break;
                }
                received = checkPattern(big, received);
                maxPinned = Math.max(maxPinned, s.allocator.pinnedDirectMemory());
                maxReserved = Math.max(maxReserved, s.allocator.metric().usedDirectMemory());
            }
            destination.shutdownOutput();
            sourceThread.join(WAIT_MILLIS);
            System.out.printf("%s: after the slow %,d bytes the source had sent %,d of %,d; most sent and not yet "
                            + "received %,d; relay allocator at most %,d bytes in live buffers, %,d reserved%n",
                    transport, SLOW_PART, sentWhenSlow, TOTAL, maxBacklog, maxPinned, maxReserved);

            // What the source sent and the destination did not yet receive sits in the relay and in the four
            // sockets' kernel buffers (here a few MiB; at most the system's tcp_rmem/tcp_wmem maxima).
            assertTrue(sentWhenSlow < TOTAL / 2, "the slow destination holds the source back: it had sent "
                    + sentWhenSlow + " of " + TOTAL + " bytes when the destination had read " + SLOW_PART);
            assertTrue(maxPinned <= PINNED_BOUND, "the relay's live buffers reached " + maxPinned + " bytes");
            assertTrue(maxReserved <= RESERVED_BOUND, "the relay's allocator reserved " + maxReserved + " bytes");
            assertNull(sourceFailure.get(), () -> "the source failed: " + sourceFailure.get());
            assertEquals(TOTAL, received, "every byte arrives, then the end of stream");
            s.relay.close();
            assertEquals(0, s.relay.pairs());
            assertEquals(0, s.allocator.pinnedDirectMemory(), "every chunk and swap buffer is released");
        }
    }

    /**
     * Bytes go both ways; the end of stream from either side reaches the other side after every byte, the other
     * direction goes on, and the pair is done once both sides ended.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void halfCloseGoesThroughEitherWay(String transport) throws Exception {
        assumeTrue(available(transport), () -> transport + " cannot run here");
        try (Setup s = new Setup(transport)) {
            try (SocketChannel source = s.connectSource(); SocketChannel destination = s.acceptDestination()) {
                byte[] request = "ping from the source".getBytes(StandardCharsets.US_ASCII);
                source.write(ByteBuffer.wrap(request));
                byte[] reply = "pong from the destination".getBytes(StandardCharsets.US_ASCII);
                assertEquals(new String(request, StandardCharsets.US_ASCII), readExactly(destination, request.length));
                destination.write(ByteBuffer.wrap(reply));
                assertEquals(new String(reply, StandardCharsets.US_ASCII), readExactly(source, reply.length));
                pushThenAnswer(source, destination);
                awaitTrue(() -> s.relay.pairs() == 0, "the pair is done once both sides ended");
            }
            try (SocketChannel source = s.connectSource(); SocketChannel destination = s.acceptDestination()) {
                pushThenAnswer(destination, source);
                awaitTrue(() -> s.relay.pairs() == 0, "the pair is done once both sides ended");
            }
        }
    }

    /**
     * A client that sends its request and half-closes at once, before the answer came, gets the whole answer: here
     * 20 MiB through the relay to the echo server and back, while the relay has long passed the client's end on.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void clientThatHalfClosesEarlyGetsTheWholeEchoBack(String transport) throws Exception {
        assumeTrue(available(transport), () -> transport + " cannot run here");
        EchoServer echo = new EchoServer(Watcher.builder().transport(transport).build(), 0);
        try (echo; Setup s = new Setup(transport, echo.start(new InetSocketAddress("127.0.0.1", 0)));
             SocketChannel client = s.connectSource()) {
            CompletableFuture<Void> pushed = pushAndEnd(client, ECHOED);
            assertEquals(ECHOED, readToEnd(client), "the whole echo, then the end of stream");
            pushed.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            awaitTrue(() -> s.relay.pairs() == 0 && echo.openConnections() == 0, "the pair and the echo are done");
        }
    }

    /** A destination that refuses the relay's connect: the relay lets the client go. */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void refusedConnectFreesTheClient(String transport) throws Exception {
        assumeTrue(available(transport), () -> transport + " cannot run here");
        InetSocketAddress nobody;
        try (ServerSocketChannel closedAtOnce = ServerSocketChannel.open()) {
            nobody = (InetSocketAddress) closedAtOnce.bind(new InetSocketAddress("127.0.0.1", 0)).getLocalAddress();
        }
        try (Setup s = new Setup(transport, nobody); SocketChannel client = s.connectSource()) {
            assertEquals(-1, client.read(ByteBuffer.allocate(1)), "the relay closes the client's connection");
            awaitTrue(() -> s.relay.pairs() == 0, "the pair is done");
        }
    }

    /** {@code first} sends 300,000 bytes and ends; {@code second} gets them and the end, then does the same. */
    private static void pushThenAnswer(SocketChannel first, SocketChannel second) throws Exception {
        for (SocketChannel[] way : new SocketChannel[][] {{first, second}, {second, first}}) {
            CompletableFuture<Void> pushed = pushAndEnd(way[0], 300_000);
            assertEquals(300_000, readToEnd(way[1]), "the pattern, then the end of stream");
            pushed.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Closing the relay while pairs are stuck mid-transfer (the destinations never read, so the relay has a write
     * pending with a chunk in flight for each pair) closes every socket, releases every buffer and leaves no
     * descriptor open.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void closeEndsEveryPairAndFreesEverything(String transport) throws Exception {
        assumeTrue(available(transport), () -> transport + " cannot run here");
        assumeTrue(Files.isDirectory(FD_DIR), "neither /proc/self/fd nor /dev/fd to count descriptors");
        int baseline = openDescriptors();
        int pairs = 8;
        List<SocketChannel> sources = new ArrayList<>();
        List<SocketChannel> destinations = new ArrayList<>();
        List<Thread> pushers = new ArrayList<>();
        List<AtomicLong> sent = new ArrayList<>();
        List<Throwable> pushEnds = new ArrayList<>();
        Setup s = new Setup(transport);
        try {
            for (int i = 0; i < pairs; i++) {
                SocketChannel source = s.connectSource();
                sources.add(source);
                destinations.add(s.acceptDestination());
                AtomicLong count = new AtomicLong();
                sent.add(count);
                Thread pusher = new Thread(() -> {
                    Throwable end = null;
                    try {
                        pushPattern(source, Long.MAX_VALUE / 2, count);
                    } catch (Throwable t) {
                        end = t;
                    }
                    synchronized (pushEnds) {
                        pushEnds.add(end);
                    }
                }, "relay-test-pusher-" + i);
                pusher.start();
                pushers.add(pusher);
            }
            // Wait until every source is stuck: its bytes fill the sockets, and each pair's source-to-destination
            // direction has a write pending in the relay (were a read pending, the relay would drain the source).
            awaitStalled(sent);

            s.relay.close();
            assertEquals(0, s.relay.pairs(), "every pair is done");
            assertEquals(0, s.allocator.pinnedDirectMemory(), "every chunk and swap buffer is released");
            for (Thread pusher : pushers) {
                pusher.join(WAIT_MILLIS);
            }
            assertEquals(pairs, pushEnds.size(), "every source's writes end");
            for (Throwable end : pushEnds) {
                assertTrue(end instanceof IOException, "a source's writes end with the connection closed: " + end);
            }
            for (SocketChannel destination : destinations) {
                readToEnd(destination); // what was in the relay's socket, then the end of stream
            }
        } finally {
            s.close();
            for (SocketChannel c : sources) {
                c.close();
            }
            for (SocketChannel c : destinations) {
                c.close();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        int open;
        while ((open = openDescriptors()) > baseline && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        assertTrue(open <= baseline, "open descriptors after close: " + open + ", before the test: " + baseline);
    }

    // ---- the setup ----

    /** A destination listener, a relay to it on the transport under test with an allocator of its own. */
    private static final class Setup implements AutoCloseable {
        /** Small pool chunks (256 KiB) and one arena, so that the reserved memory says something at this scale. */
        final PooledByteBufAllocator allocator = new PooledByteBufAllocator(true, 0, 1, 8192, 5, 256, 64, true);
        final ServerSocketChannel destinations = ServerSocketChannel.open();
        final Relay relay;
        final InetSocketAddress relayAddress;

        Setup(String transport) throws IOException {
            this(transport, null);
        }

        /** A relay to {@code to}, or to the setup's own destination listener when null. */
        Setup(String transport, InetSocketAddress to) throws IOException {
            // Small socket buffers at the test's ends, so that the kernel holds little of what is in transit; the
            // relay's own sockets keep the system's defaults.
            destinations.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            destinations.bind(new InetSocketAddress("127.0.0.1", 0));
            Watcher watcher = Watcher.builder().transport(transport).allocator(allocator).build();
            relay = new Relay(watcher, allocator, to != null ? to : (InetSocketAddress) destinations.getLocalAddress());
            relayAddress = relay.start(new InetSocketAddress("127.0.0.1", 0));
        }

        SocketChannel connectSource() throws IOException {
            SocketChannel source = SocketChannel.open();
            source.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
            source.connect(relayAddress);
            return source;
        }

        /** The relay's connection for the source just connected. */
        SocketChannel acceptDestination() throws IOException {
            return destinations.accept();
        }

        @Override
        public void close() throws IOException {
            relay.close();
            destinations.close();
        }
    }

    // ---- the pattern: byte p of a stream is BLOCK[p % BLOCK.length] + p / BLOCK.length ----

    /** A prime length, so that no lost, repeated or reordered run of bytes keeps the pattern. */
    private static final byte[] BLOCK = new byte[65_521];

    static {
        new Random(20261130).nextBytes(BLOCK);
    }

    private static byte patternAt(long p) {
        return (byte) (BLOCK[(int) (p % BLOCK.length)] + p / BLOCK.length);
    }

    /** Writes {@code total} bytes of the pattern (or until an error), counting them in {@code sent}. */
    private static void pushPattern(SocketChannel out, long total, AtomicLong sent) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        long p = 0;
        while (p < total) {
            buf.clear();
            int n = (int) Math.min(buf.capacity(), total - p);
            for (int i = 0; i < n; i++) {
                buf.put(patternAt(p + i));
            }
            buf.flip();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            p += n;
            sent.set(p);
        }
    }

    /** Pushes {@code total} bytes of the pattern and ends the stream, on a thread of its own. */
    private static CompletableFuture<Void> pushAndEnd(SocketChannel out, long total) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread pusher = new Thread(() -> {
            try {
                pushPattern(out, total, new AtomicLong());
                out.shutdownOutput();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "relay-test-pusher");
        pusher.setDaemon(true);
        pusher.start();
        return done;
    }

    /** Checks the bytes just read (position 0 to the buffer's position) against the pattern from {@code offset}. */
    private static long checkPattern(ByteBuffer buf, long offset) {
        for (int i = 0; i < buf.position(); i++) {
            if (buf.get(i) != patternAt(offset + i)) {
                fail("byte " + (offset + i) + " differs from what the source sent");
            }
        }
        return offset + buf.position();
    }

    /** Reads and checks the pattern until the end of stream; returns the bytes read. */
    private static long readToEnd(SocketChannel in) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long received = 0;
        while (true) {
            buf.clear();
            if (in.read(buf) < 0) {
                return received;
            }
            received = checkPattern(buf, received);
        }
    }

    private static String readExactly(SocketChannel in, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (in.read(buf) < 0) {
                fail("end of stream after " + buf.position() + " of " + n + " bytes");
            }
        }
        return new String(buf.array(), StandardCharsets.US_ASCII);
    }

    // ---- waiting ----

    private static boolean available(String transport) {
        return Transports.list().stream().anyMatch(t -> t.name().equals(transport) && t.isAvailable());
    }

    private static void awaitTrue(BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + WAIT_MILLIS + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Waits until no counter has moved for half a second (each has moved at least once). */
    private static void awaitStalled(List<AtomicLong> counters) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        long[] last = new long[counters.size()];
        long stillSince = System.nanoTime();
        while (true) {
            boolean moved = false;
            for (int i = 0; i < last.length; i++) {
                long now = counters.get(i).get();
                moved |= now != last[i] || now == 0;
                last[i] = now;
            }
            if (moved) {
                stillSince = System.nanoTime();
            } else if (System.nanoTime() - stillSince > TimeUnit.MILLISECONDS.toNanos(500)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("the sources did not stall within " + WAIT_MILLIS + " ms");
            }
            Thread.sleep(20);
        }
    }

    private static int openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(FD_DIR)) {
            return (int) fds.count() - 1; // less the descriptor of this listing
        }
    }
}
