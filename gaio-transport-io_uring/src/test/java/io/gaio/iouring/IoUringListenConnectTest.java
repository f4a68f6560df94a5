package io.gaio.iouring;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.Connection;
import io.gaio.ConnectionClosedException;
import io.gaio.ConnectOptions;
import io.gaio.DeadlineExceededException;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.uring.IoUring;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Listeners and connects of the watcher's own on io_uring, where each wait is a one-shot poll submission: an accept
 * submitted before any connection arrives is woken by the listener's POLLIN poll, a connect under way by its POLLOUT
 * poll, and closing either cancels its poll, or the poll's own reference to the socket would keep the port bound
 * (listener) or the SYN retransmitting (connect).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringListenConnectTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
    private final List<ByteBuf> buffers = new ArrayList<>();
    /** Completions that came while another was awaited; never a swap read, whose slice the next batch ends. */
    private final List<OpResult> early = new ArrayList<>();
    private Watcher w;

    @BeforeEach
    void open() {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable here: " + IoUring.unavailabilityCause());
        w = Watcher.builder().transport("io_uring").build();
    }

    @AfterEach
    void close() {
        if (w != null) {
            w.close();
        }
        buffers.forEach(ByteBuf::release);
    }

    /**
     * Accept pending first (the listener polls), then a connect, both ways of reading (a request's own buffer is a
     * RECV, a swap read polls first) and of writing (direct: SEND, heap: bounce buffer), then a half-close.
     */
    @Test
    void acceptConnectExchangeAndHalfClose() throws Exception {
        Listener l = w.listen(ANY_PORT);
        w.accept("accept", l);
        assertTrue(w.waitIO(Duration.ofMillis(100)).isEmpty(), "nothing to accept yet");
        Connection c = w.connect("connect", l.localAddress());
        List<OpResult> both = await(2);
        OpResult accepted = find(both, Operation.ACCEPT);
        assertNull(accepted.error());
        assertNull(find(both, Operation.CONNECT).error());
        Connection s = (Connection) accepted.connection();
        assertEquals(c.localAddress(), s.remoteAddress());

        w.read("own", s, direct(64));
        w.write("ping", c, direct(0).writeBytes("ping".getBytes(US_ASCII)));
        assertEquals("ping", text(awaitOne("own", Operation.READ)));

        w.read("swap", c, null);
        w.write("pong", s, Unpooled.buffer().writeBytes("pong".getBytes(US_ASCII)));
        assertEquals("pong", text(awaitOne("swap", Operation.READ)));

        w.write("last", c, direct(0).writeBytes("last".getBytes(US_ASCII)));
        w.shutdownOutput("fin", c);
        w.read("tail", s, null);
        assertEquals("last", text(awaitOne("tail", Operation.READ)));
        w.read("eof", s, null);
        assertInstanceOf(EOFException.class, awaitOne("eof", Operation.READ).error());
        OpResult fin = awaitOne("fin", Operation.SHUTDOWN_OUTPUT);
        assertNull(fin.error());

        w.write("after", s, direct(0).writeBytes("still open".getBytes(US_ASCII)));
        w.read("back", c, null);
        assertEquals("still open", text(awaitOne("back", Operation.READ)), "the other direction goes on");
    }

    /** Several accepts pending and a burst of connects: every accept completes, each arrival wakes a poll at most. */
    @Test
    void burstOfConnectsMeetsPendingAccepts() throws Exception {
        Listener l = w.listen(ANY_PORT);
        int n = 32;
        for (int i = 0; i < n; i++) {
            w.accept("accept", l);
        }
        for (int i = 0; i < n; i++) {
            w.connect("connect", l.localAddress());
        }
        int accepts = 0;
        for (OpResult r : await(2 * n)) {
            assertNull(r.error(), r::toString);
            accepts += r.operation() == Operation.ACCEPT ? 1 : 0;
        }
        assertEquals(n, accepts);
    }

    @Test
    void connectRefused() throws Exception {
        InetSocketAddress closedPort;
        try (ServerSocketChannel nobody = ServerSocketChannel.open().bind(ANY_PORT)) {
            closedPort = (InetSocketAddress) nobody.getLocalAddress();
        }
        Connection c = w.connect("refused", closedPort);
        assertInstanceOf(ConnectException.class, awaitOne("refused", Operation.CONNECT).error());
        assertTrue(!c.isOpen(), "a failed connect closes the connection");
    }

    /**
     * Listener.close() promises the port free at once when it returns, but a poll in flight holds the socket until
     * the kernel has taken the cancellation, which the loop submits only after the close: the listener must stop
     * listening by itself before it returns. Repeated, since it is a race with the loop's next submission.
     */
    @Test
    void closingTheListenerEndsThePendingAcceptAndFreesThePortAtOnce() throws Exception {
        for (int i = 0; i < 50; i++) {
            Listener l = w.listen(ANY_PORT);
            InetSocketAddress address = l.localAddress();
            w.accept("pending", l);
            assertTrue(w.waitIO(Duration.ofMillis(i == 0 ? 100 : 1)).isEmpty(), "the accept waits on its poll");
            l.close();
            try (ServerSocketChannel again = ServerSocketChannel.open()) {
                again.bind(address);
            } catch (IOException stillBound) {
                fail("round " + i + ": the port stayed bound after the listener closed", stillBound);
            }
            assertInstanceOf(ConnectionClosedException.class, awaitOne("pending", Operation.ACCEPT).error());
        }
    }

    /**
     * Connects that stall on a full accept queue (the kernel drops their SYNs) end at their deadline, and their
     * sockets go: their POLLOUT polls are cancelled, so no SYN_SENT socket stays behind to retransmit.
     */
    @Test
    void aConnectPastItsDeadlineCancelsItsPoll() throws Exception {
        try (ServerSocketChannel full = ServerSocketChannel.open().bind(ANY_PORT, 1)) {
            InetSocketAddress address = (InetSocketAddress) full.getLocalAddress();
            int n = 8;
            for (int i = 0; i < n; i++) {
                w.connect("stalled", address, ConnectOptions.defaults().timeout(Duration.ofMillis(300)));
            }
            int timedOut = 0;
            for (OpResult r : await(n)) {
                assertEquals(Operation.CONNECT, r.operation());
                if (r.error() != null) {
                    assertInstanceOf(DeadlineExceededException.class, r.error(), r::toString);
                    timedOut++;
                }
            }
            assertTrue(timedOut > 0, "a backlog of 1 queues at most 2 connections");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (synSentTo(address.getPort()) > 0) {
                assertTrue(System.nanoTime() < deadline, "SYN_SENT sockets left after their connects ended");
                Thread.sleep(10);
            }
        }
    }

    /** Sockets in SYN_SENT (state 02) towards {@code port}, from the kernel's IPv4 and IPv6 TCP tables. */
    private static int synSentTo(int port) throws IOException {
        String remote = String.format(Locale.ROOT, ":%04X 02 ", port);
        int n = 0;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Path.of(table);
            if (Files.exists(p)) {
                for (String line : Files.readAllLines(p)) {
                    n += line.contains(remote) ? 1 : 0;
                }
            }
        }
        return n;
    }

    private ByteBuf direct(int capacity) {
        ByteBuf b = Unpooled.directBuffer(Math.max(capacity, 64));
        buffers.add(b);
        return b;
    }

    private static String text(OpResult r) {
        assertNull(r.error(), r::toString);
        return r.buffer().toString(r.buffer().readerIndex(), r.size(), US_ASCII);
    }

    /** The completion of the request with {@code context}, in whatever order the others come. */
    private OpResult awaitOne(Object context, Operation operation) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            for (OpResult r : early) {
                if (r.context().equals(context)) {
                    early.remove(r);
                    assertEquals(operation, r.operation(), r::toString);
                    return r;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("no completion for " + context + "; got " + early);
            }
            early.addAll(w.waitIO(Duration.ofNanos(left)));
        }
    }

    /** Exactly the next {@code count} completions, in order. */
    private List<OpResult> await(int count) throws InterruptedException {
        List<OpResult> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("only " + got.size() + " of " + count + " completions came: " + got);
            }
            got.addAll(w.waitIO(Duration.ofNanos(left)));
        }
        assertEquals(count, got.size(), () -> "more completions than expected: " + got);
        return got;
    }

    private static OpResult find(List<OpResult> results, Operation operation) {
        return results.stream().filter(r -> r.operation() == operation).findFirst()
                .orElseThrow(() -> new AssertionError("no " + operation + " in " + results));
    }
}
