package io.gaio.conformance;

import static io.gaio.conformance.OwnedConnection.assertAccepted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.ConnectOptions;
import io.gaio.Connection;
import io.gaio.ConnectionClosedException;
import io.gaio.DeadlineExceededException;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.UnsupportedConnectionException;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watcher's own connects ({@link Watcher#connect}): the returned {@link Connection} completes as
 * {@link Operation#CONNECT} and echoes, against a JDK server and against a listener of the same watcher; a refused
 * connect fails with {@link ConnectException}, a connect whose SYN is dropped fails with
 * {@link DeadlineExceededException} after its timeout without blocking anyone, and either way the requests submitted
 * on it meanwhile end with {@link ConnectionClosedException}; requests submitted before the connect completes go out
 * after it; the local address and socket options asked for are used; free ends a pending connect; a Connection is
 * refused by any other watcher. Every request is booked in a {@link CompletionLedger}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectTest extends TransportTestBase {

    /** A connect to a JDK server completes, and the connection echoes; free closes it. */
    @Test
    void aConnectionToAJdkServerEchoes() throws Exception {
        CompletionLedger ledger = new CompletionLedger("connect and echo");
        try (ServerSocketChannel server = Loopback.server(16); Watcher w = newWatcher();
             OwnedConnection c = OwnedConnection.connect(w, ledger, server)) {
            assertEquals(false, c.connection.getOption(StandardSocketOptions.TCP_NODELAY), "TCP_NODELAY by default");
            c.assertEchoesAndFrees(w, ledger, 64 * 1024, 1);
            ledger.assertSettled();
        }
    }

    /** A connect to a listener of the same watcher: the CONNECT and the ACCEPT complete, and bytes go both ways. */
    @Test
    void aConnectionToItsOwnWatchersListenerEchoes() throws Exception {
        CompletionLedger ledger = new CompletionLedger("connect to an own listener");
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0));
            Long acceptId = ledger.open();
            w.accept(acceptId, l);
            Long connectId = ledger.open();
            Connection client = w.connect(connectId, l.localAddress());
            Map<Operation, OpResult> results = byOperation(ledger.await(w, 2));
            Connection server = assertAccepted(results.get(Operation.ACCEPT), acceptId, l);
            OpResult connected = results.get(Operation.CONNECT);
            assertCompletes(connected, Operation.CONNECT, connectId, client);
            assertSuccess(connected);
            assertEquals(client.localAddress(), server.remoteAddress(), "the two ends' addresses");
            assertEquals(server.localAddress(), client.remoteAddress(), "the two ends' addresses");
            transfer(w, ledger, client, server, randomBytes(100_000, 2));
            transfer(w, ledger, server, client, randomBytes(100_000, 3));
            w.free(client);
            w.free(server);
            assertNoCompletion(w, Duration.ofMillis(100));
            ledger.assertSettled();
        }
    }

    /**
     * A connect to a port nobody listens on fails with ConnectException; a write and two reads submitted right after
     * it end with ConnectionClosedException, buffers untouched; the connection is closed and later requests fail
     * the same way. Each request completes exactly once.
     */
    @Test
    void aRefusedConnectFailsWithItsRequests() throws Exception {
        CompletionLedger ledger = new CompletionLedger("a refused connect");
        ByteBuf out = bufferOf(randomBytes(100, 4));
        ByteBuf in = directBuffer(100);
        try (Watcher w = newWatcher()) {
            InetSocketAddress nobody;
            try (ServerSocketChannel gone = Loopback.server(1)) {
                nobody = (InetSocketAddress) gone.getLocalAddress();
            }
            Long connectId = ledger.open();
            Connection c = w.connect(connectId, nobody);
            Long writeId = ledger.open();
            w.write(writeId, c, out);
            Long readId = ledger.open();
            w.read(readId, c, in);
            Long swapReadId = ledger.open();
            w.read(swapReadId, c, null);
            Map<Object, OpResult> results = byContext(ledger.await(w, 4));
            OpResult refused = results.get(connectId);
            assertCompletes(refused, Operation.CONNECT, connectId, c);
            assertError(refused, ConnectException.class);
            assertEndedByTheFailedConnect(results.get(writeId), Operation.WRITE, writeId, c);
            assertEndedByTheFailedConnect(results.get(readId), Operation.READ, readId, c);
            assertEndedByTheFailedConnect(results.get(swapReadId), Operation.READ, swapReadId, c);
            assertEquals(0, out.readerIndex(), "nothing of the write went out");
            assertEquals(0, in.writerIndex(), "nothing was read");
            assertFalse(c.isOpen(), "the connection of a refused connect");
            assertThrows(IOException.class, () -> c.getOption(StandardSocketOptions.TCP_NODELAY));

            Long late = ledger.open();
            w.read(late, c, null);
            assertEndedByTheFailedConnect(ledger.await(w, 1).get(0), Operation.READ, late, c);
            w.free(c);
            assertNoCompletion(w, Duration.ofMillis(100));
            ledger.assertSettled();
        } finally {
            releaseQuietly(out, in);
        }
    }

    /**
     * A connect with a 300 ms timeout to a listener whose queue is full (the kernel drops the SYN): connect() returns
     * at once, the CONNECT fails with DeadlineExceededException, a read submitted meanwhile ends with
     * ConnectionClosedException, and the watcher goes on serving.
     */
    @Test
    void aConnectWhoseSynIsDroppedTimesOut() throws Exception {
        CompletionLedger ledger = new CompletionLedger("a connect that times out");
        try (FullBacklog full = new FullBacklog(); Watcher w = newWatcher(); Loopback lb = Loopback.open()) {
            Long connectId = ledger.open();
            Connection c = w.connect(connectId, full.address(),
                    ConnectOptions.defaults().timeout(Duration.ofMillis(300)));
            List<OpResult> atOnce = w.waitIO(Duration.ZERO);
            assertEquals(List.of(), atOnce, "connect() blocked its caller until the connect ended");
            Long readId = ledger.open();
            w.read(readId, c, null);
            assertThrows(IOException.class, () -> c.getOption(StandardSocketOptions.TCP_NODELAY),
                    "options of a connection not established");

            Map<Object, OpResult> results = byContext(ledger.await(w, 2));
            OpResult timedOut = results.get(connectId);
            assertCompletes(timedOut, Operation.CONNECT, connectId, c);
            assertError(timedOut, DeadlineExceededException.class);
            assertEndedByTheFailedConnect(results.get(readId), Operation.READ, readId, c);
            assertFalse(c.isOpen(), "the connection of a connect that timed out");
            assertNoCompletion(w, Duration.ofMillis(100));
            assertEchoes(w, ledger, lb.connect(), 1000, 5);
            ledger.assertSettled();
        }
    }

    /**
     * A write and a readFull submitted while the connect waits (its SYN dropped by a full queue) are held; once the
     * queue is drained and the retransmitted SYN gets through, the CONNECT completes first, the peer receives the
     * write, and the read gets the peer's reply.
     */
    @Test
    void requestsSubmittedBeforeTheConnectCompletesGoOutAfterIt() throws Exception {
        CompletionLedger ledger = new CompletionLedger("requests before the connect completes");
        byte[] data = randomBytes(100_000, 6);
        byte[] reply = randomBytes(1000, 7);
        ByteBuf out = bufferOf(data);
        ByteBuf in = directBuffer(reply.length);
        // A source of its own (127.0.0.3, or 127.0.0.1 and a port of its own where that is the only address), to tell
        // the connection from the fillers' among those accepted.
        InetSocketAddress source = Platform.distinctSource(3);
        try (FullBacklog full = new FullBacklog(); Watcher w = newWatcher()) {
            Long connectId = ledger.open();
            Connection c = w.connect(connectId, full.address(), ConnectOptions.defaults().localAddress(source));
            Long writeId = ledger.open();
            w.write(writeId, c, out);
            Long readId = ledger.open();
            w.readFull(readId, c, in, null);
            assertNoCompletion(w, Duration.ofMillis(300));
            InetSocketAddress whileConnecting = c.localAddress();

            full.drain();
            try (SocketChannel peer = full.acceptFrom(source)) {
                assertArrayEquals(data, readExactly(peer, data.length, WAIT), "what the peer received");
                sendAll(peer, reply);
                List<OpResult> results = ledger.await(w, 3);
                assertCompletes(results.get(0), Operation.CONNECT, connectId, c);
                assertSuccess(results.get(0));
                Map<Object, OpResult> byId = byContext(results);
                assertCompletes(byId.get(writeId), Operation.WRITE, writeId, c);
                assertSuccess(byId.get(writeId));
                assertEquals(data.length, byId.get(writeId).size());
                assertCompletes(byId.get(readId), Operation.READ, readId, c);
                assertSuccess(byId.get(readId));
                assertArrayEquals(reply, readable(in), "what the readFull got");
                assertEquals(peer.getRemoteAddress(), c.localAddress(), "the local address once connected");
                w.free(c);
                awaitEof(peer, WAIT);
                ledger.assertSettled();
                assertNull(whileConnecting, "Connection.localAddress() is null until the connect completed, on every "
                        + "transport (NIO cannot tell it before)");
            }
        } finally {
            releaseQuietly(out, in);
        }
    }

    /**
     * ConnectOptions.localAddress(127.0.0.2:0) and a socket option are used: the server sees that source. Where
     * 127.0.0.1 is the only loopback address (macOS, FreeBSD), the source asked for is 127.0.0.1 and a port of its own.
     */
    @Test
    void theLocalAddressAndOptionsAskedForAreUsed() throws Exception {
        InetSocketAddress source = Platform.distinctSource(2);
        CompletionLedger ledger = new CompletionLedger("connect from " + source);
        try (ServerSocketChannel server = Loopback.server(16); Watcher w = newWatcher();
             OwnedConnection c = OwnedConnection.connect(w, ledger, server, ConnectOptions.defaults()
                     .localAddress(source)
                     .option(StandardSocketOptions.TCP_NODELAY, true))) {
            // OwnedConnection checked that the server saw the connection's local address as its remote address.
            assertEquals(source.getAddress(), c.connection.localAddress().getAddress(),
                    "the connection's source address");
            assertTrue(c.connection.localAddress().getPort() > 0, "a port was chosen: " + c.connection);
            if (source.getPort() != 0) {
                assertEquals(source.getPort(), c.connection.localAddress().getPort(), "the source port asked for");
            }
            assertEquals(true, c.connection.getOption(StandardSocketOptions.TCP_NODELAY), "TCP_NODELAY asked for");
            assertEchoes(w, ledger, c.connection, c.peer, 1000, 8);
            ledger.assertSettled();
        }
    }

    /**
     * A Connection submitted to a watcher other than its own is refused at submission with
     * UnsupportedConnectionException, whatever the request (free included), and stays open and working.
     */
    @Test
    void aConnectionBelongsToItsWatcher() throws Exception {
        CompletionLedger ledger = new CompletionLedger("requests on the right watcher");
        ByteBuf b = bufferOf(new byte[] {1});
        try (ServerSocketChannel server = Loopback.server(16); Watcher w = newWatcher(); Watcher other = newWatcher();
             OwnedConnection c = OwnedConnection.connect(w, ledger, server)) {
            Connection conn = c.connection;
            assertThrows(UnsupportedConnectionException.class, () -> other.read("read", conn, null));
            assertThrows(UnsupportedConnectionException.class, () -> other.readFull("readFull", conn, b, null));
            assertThrows(UnsupportedConnectionException.class, () -> other.write("write", conn, b));
            assertThrows(UnsupportedConnectionException.class, () -> other.shutdownOutput("shutdown", conn));
            assertThrows(UnsupportedConnectionException.class, () -> other.free(conn));
            assertNoCompletion(other, Duration.ofMillis(100));
            assertTrue(conn.isOpen(), "a connection another watcher refused");
            assertEchoes(w, ledger, conn, c.peer, 1000, 9);
            ledger.assertSettled();
        } finally {
            b.release();
        }
    }

    /**
     * free() while the connect waits (its SYN dropped): the CONNECT and a pending read end with the error, once. The
     * connection's local address was known while it waited.
     */
    @Test
    void freeEndsAPendingConnect() throws Exception {
        CompletionLedger ledger = new CompletionLedger("free during a connect");
        try (FullBacklog full = new FullBacklog(); Watcher w = newWatcher()) {
            Long connectId = ledger.open();
            Connection c = w.connect(connectId, full.address());
            Long readId = ledger.open();
            w.read(readId, c, null);
            assertNoCompletion(w, Duration.ofMillis(200));
            InetSocketAddress whileConnecting = c.localAddress();
            w.free(c);
            Map<Object, OpResult> results = byContext(ledger.await(w, 2));
            assertCompletes(results.get(connectId), Operation.CONNECT, connectId, c);
            assertError(results.get(connectId), ConnectionClosedException.class);
            assertEndedByTheFailedConnect(results.get(readId), Operation.READ, readId, c);
            assertFalse(c.isOpen(), "a freed connection");
            assertNoCompletion(w, Duration.ofMillis(200));
            ledger.assertSettled();
            assertNull(whileConnecting, "Connection.localAddress() is null until the connect completed, on every "
                    + "transport (NIO cannot tell it before)");
        }
    }

    private static void assertEndedByTheFailedConnect(OpResult r, Operation op, Object context, Connection c) {
        assertCompletes(r, op, context, c);
        assertError(r, ConnectionClosedException.class);
        assertEquals(0, r.size(), () -> "bytes moved by " + r);
    }

    /** Sends {@code data} from one connection of {@code w} to another: a write there, readFulls here. */
    private static void transfer(Watcher w, CompletionLedger ledger, Connection from, Connection to, byte[] data)
            throws Exception {
        ByteBuf out = bufferOf(data);
        ByteBuf in = directBuffer(data.length);
        try {
            Long writeId = ledger.open();
            w.write(writeId, from, out);
            Long readId = ledger.open();
            w.readFull(readId, to, in, null);
            Map<Object, OpResult> results = byContext(ledger.await(w, 2));
            assertCompletes(results.get(writeId), Operation.WRITE, writeId, from);
            assertSuccess(results.get(writeId));
            assertCompletes(results.get(readId), Operation.READ, readId, to);
            assertSuccess(results.get(readId));
            assertArrayEquals(data, readable(in), "what arrived at the other end");
        } finally {
            releaseQuietly(out, in);
        }
    }

    private static Map<Object, OpResult> byContext(List<OpResult> results) {
        Map<Object, OpResult> map = new HashMap<>();
        for (OpResult r : results) {
            assertEquals(null, map.put(r.context(), r), () -> "two completions of one request: " + results);
        }
        return map;
    }

    private static Map<Operation, OpResult> byOperation(List<OpResult> results) {
        Map<Operation, OpResult> map = new HashMap<>();
        for (OpResult r : results) {
            assertEquals(null, map.put(r.operation(), r), () -> "two completions of one kind: " + results);
        }
        return map;
    }

    /**
     * A JDK listener with backlog 1 that nobody accepts from, its queue filled with client connections: Linux queues
     * backlog + 1 and then drops further SYNs, so that a connect to it neither completes nor fails until the queue
     * is drained (then the client's retransmitted SYN, about a second after the first, gets through).
     */
    private static final class FullBacklog implements AutoCloseable {
        private static final int MAX_FILLERS = 16;
        private final ServerSocketChannel server;
        private final InetSocketAddress address;
        private final List<SocketChannel> sockets = new ArrayList<>();

        /** Connects fillers until one does not get through within 200 ms: the queue is full. */
        FullBacklog() throws Exception {
            server = Loopback.server(1);
            try {
                address = (InetSocketAddress) server.getLocalAddress();
                while (true) {
                    if (sockets.size() == MAX_FILLERS) {
                        fail("a listener with backlog 1 queued " + MAX_FILLERS + " connections: cannot fill its queue");
                    }
                    SocketChannel filler = SocketChannel.open();
                    sockets.add(filler);
                    filler.configureBlocking(false);
                    if (!filler.connect(address) && !awaitConnected(filler, Duration.ofMillis(200))) {
                        return;
                    }
                }
            } catch (Exception | Error e) {
                close();
                throw e;
            }
        }

        private static boolean awaitConnected(SocketChannel c, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!c.finishConnect()) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                Thread.sleep(5);
            }
            return true;
        }

        InetSocketAddress address() {
            return address;
        }

        /** Accepts and closes every queued connection, so that the next SYN finds room. */
        void drain() throws IOException {
            server.configureBlocking(false);
            for (SocketChannel accepted; (accepted = server.accept()) != null; ) {
                accepted.close();
            }
        }

        /**
         * Accepts until a connection from {@code source} comes (its address, and its port unless that is 0), closing
         * the others; fails after {@link #WAIT}.
         */
        SocketChannel acceptFrom(InetSocketAddress source) throws Exception {
            server.configureBlocking(false);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() - deadline < 0) {
                SocketChannel accepted = server.accept();
                InetSocketAddress from = accepted == null ? null : (InetSocketAddress) accepted.getRemoteAddress();
                if (accepted == null) {
                    Thread.sleep(10);
                } else if (from.getAddress().equals(source.getAddress())
                        && (source.getPort() == 0 || from.getPort() == source.getPort())) {
                    accepted.configureBlocking(true);
                    return accepted;
                } else {
                    accepted.close();
                }
            }
            throw new AssertionError("no connection from " + source + " within " + WAIT);
        }

        @Override
        public void close() {
            closeAll(sockets);
            closeQuietly(server);
        }
    }
}
