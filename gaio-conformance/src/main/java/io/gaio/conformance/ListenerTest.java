package io.gaio.conformance;

import static io.gaio.conformance.OwnedConnection.assertAccepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.Connection;
import io.gaio.ConnectionClosedException;
import io.gaio.ListenOptions;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.UnsupportedConnectionException;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.gaio.conformance.EchoServer.ReadMode;
import io.netty.buffer.ByteBuf;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watcher's own listening sockets ({@link Watcher#listen}, {@link Watcher#accept}): an accept completes as
 * {@link Operation#ACCEPT} with a new, working {@link Connection} and its listener; many accepts may be pending and
 * complete in submission order, each exactly once; accepted sockets get the {@link ListenOptions}' socket options;
 * closing a listener, or its watcher, completes or drops its pending accepts and frees the port at once; SO_REUSEPORT
 * spreads connections over the listeners of two watchers, and without it a second listener on the port is refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ListenerTest extends TransportTestBase {

    /** One accept, then an echo through the new connection; addresses and the result's fields are right. */
    @Test
    void anAcceptedConnectionEchoes() throws Exception {
        CompletionLedger ledger = new CompletionLedger("accept and echo");
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0));
            assertTrue(l.isOpen(), "a new listener is open");
            assertEquals(loopback(0).getAddress(), l.localAddress().getAddress(), "the listener's address");
            assertTrue(l.localAddress().getPort() > 0, "the kernel chose a port: " + l);
            try (OwnedConnection c = OwnedConnection.accept(w, ledger, l)) {
                c.assertEchoesAndFrees(w, ledger, 64 * 1024, 1);
            }
            ledger.assertSettled();
        }
    }

    /**
     * 64 accepts pending before any client connects: nothing completes until then; then each completes once, in
     * submission order, with its own connection, and each connection is the socket of exactly one client (a byte
     * sent by the client arrives on it).
     */
    @Test
    void manyPendingAcceptsCompleteOnceInOrder() throws Exception {
        int n = 64;
        CompletionLedger ledger = new CompletionLedger("pending accepts");
        List<SocketChannel> clients = new ArrayList<>();
        List<ByteBuf> buffers = new ArrayList<>();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0));
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(ledger.open());
                w.accept(ids.get(i), l);
            }
            assertNoCompletion(w, Duration.ofMillis(200));
            Map<SocketAddress, Integer> clientByAddress = new HashMap<>();
            for (int i = 0; i < n; i++) {
                SocketChannel client = Loopback.client(l.localAddress());
                clients.add(client);
                clientByAddress.put(client.getLocalAddress(), i);
            }
            List<OpResult> results = ledger.await(w, n);
            Set<Connection> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            Map<Connection, Integer> clientOf = new IdentityHashMap<>();
            for (int i = 0; i < n; i++) {
                Connection c = assertAccepted(results.get(i), ids.get(i), l);
                assertTrue(distinct.add(c), "two accepts completed with the same connection: " + c);
                Integer client = clientByAddress.remove(c.remoteAddress());
                assertTrue(client != null, () -> "accepted " + c + ", from no client or from one accepted twice");
                clientOf.put(c, client);
            }
            assertNoCompletion(w, Duration.ofMillis(100));

            for (int i = 0; i < n; i++) {
                sendAll(clients.get(i), new byte[] {(byte) i});
            }
            for (Connection c : distinct) {
                ByteBuf b = directBuffer(1);
                buffers.add(b);
                w.read(ledger.open(), c, b);
            }
            for (OpResult r : ledger.await(w, n)) {
                assertEquals(Operation.READ, r.operation());
                assertSuccess(r);
                int client = clientOf.get((Connection) r.connection());
                assertEquals((byte) client, r.buffer().getByte(0), "the byte of the client the connection came from");
            }
            ledger.assertSettled();
        } finally {
            releaseQuietly(buffers);
            closeAll(clients);
        }
    }

    /**
     * The ListenOptions' socket options are set on every accepted connection (read back with getOption, compared with
     * a listener without options, on which setOption sets the expected values), and the options are copied at listen.
     */
    @Test
    void acceptedConnectionsGetTheListenersOptions() throws Exception {
        int receiveBuffer = 50_000;
        CompletionLedger ledger = new CompletionLedger("accepts with options");
        try (Watcher w = newWatcher()) {
            ListenOptions options = ListenOptions.defaults()
                    .option(StandardSocketOptions.TCP_NODELAY, true)
                    .option(StandardSocketOptions.SO_KEEPALIVE, true)
                    .option(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            Listener withOptions = w.listen(loopback(0), options);
            options.option(StandardSocketOptions.TCP_NODELAY, false);
            Listener plain = w.listen(loopback(0));
            try (OwnedConnection a = OwnedConnection.accept(w, ledger, withOptions);
                 OwnedConnection b = OwnedConnection.accept(w, ledger, plain)) {
                assertEquals(true, a.connection.getOption(StandardSocketOptions.TCP_NODELAY),
                        "TCP_NODELAY of an accepted connection (the change after listen must not count)");
                assertEquals(true, a.connection.getOption(StandardSocketOptions.SO_KEEPALIVE), "SO_KEEPALIVE");
                assertEquals(false, b.connection.getOption(StandardSocketOptions.TCP_NODELAY),
                        "TCP_NODELAY of a connection accepted without options");
                assertEquals(false, b.connection.getOption(StandardSocketOptions.SO_KEEPALIVE),
                        "SO_KEEPALIVE of a connection accepted without options");
                int defaultReceiveBuffer = b.connection.getOption(StandardSocketOptions.SO_RCVBUF);

                // What this platform makes of the size asked for (Linux doubles it), read back the same way.
                assertSame(b.connection, b.connection.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer));
                int expectedReceiveBuffer = b.connection.getOption(StandardSocketOptions.SO_RCVBUF);
                assertTrue(expectedReceiveBuffer != defaultReceiveBuffer, "SO_RCVBUF " + receiveBuffer
                        + " must differ from the default for this test to mean something: " + defaultReceiveBuffer);
                assertEquals(expectedReceiveBuffer, a.connection.getOption(StandardSocketOptions.SO_RCVBUF),
                        "SO_RCVBUF of an accepted connection");
                b.connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
                assertEquals(true, b.connection.getOption(StandardSocketOptions.TCP_NODELAY), "after setOption");
                assertEchoes(w, ledger, a.connection, a.peer, 1000, 2);
                assertEchoes(w, ledger, b.connection, b.peer, 1000, 3);
            }
            ledger.assertSettled();
        }
    }

    /**
     * Closing a listener with ten accepts pending completes all ten, in order, with ConnectionClosedException; the
     * port can be bound again at once; an accept submitted afterwards fails the same way; a connection accepted
     * before keeps working.
     */
    @Test
    void closingAListenerCompletesItsPendingAccepts() throws Exception {
        int n = 10;
        CompletionLedger ledger = new CompletionLedger("accepts of a closed listener");
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0));
            InetSocketAddress address = l.localAddress();
            try (OwnedConnection before = OwnedConnection.accept(w, ledger, l)) {
                List<Long> ids = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ids.add(ledger.open());
                    w.accept(ids.get(i), l);
                }
                assertNoCompletion(w, Duration.ofMillis(100));
                l.close();
                assertFalse(l.isOpen(), "a closed listener");
                assertCanListenOn(address);
                List<OpResult> results = ledger.await(w, n);
                for (int i = 0; i < n; i++) {
                    assertClosedListener(results.get(i), ids.get(i), l);
                }
                assertNoCompletion(w, Duration.ofMillis(200));
                l.close();

                Long late = ledger.open();
                w.accept(late, l);
                assertClosedListener(ledger.await(w, 1).get(0), late, l);

                Listener again = w.listen(address);
                try (OwnedConnection after = OwnedConnection.accept(w, ledger, again)) {
                    assertEchoes(w, ledger, after.connection, after.peer, 100, 4);
                }
                assertEchoes(w, ledger, before.connection, before.peer, 100, 5);
                ledger.assertSettled();
            }
        }
    }

    /**
     * Twenty times: a listener with accepts pending is closed, and its port can be bound at once (close() returns
     * only once the socket is closed; a transport that closes it later, say at the next pass of its event loop, is
     * caught by the repetition).
     */
    @Test
    void aClosedListenersPortIsFreeAtOnce() throws Exception {
        CompletionLedger ledger = new CompletionLedger("accepts of closed listeners");
        try (Watcher w = newWatcher()) {
            for (int round = 0; round < 20; round++) {
                Listener l = w.listen(loopback(0));
                for (int i = 0; i < 4; i++) {
                    w.accept(ledger.open(), l);
                }
                l.close();
                int closedIn = round;
                assertTrue(canListenOn(l.localAddress()), () -> "the port of a listener closed in round " + closedIn
                        + " cannot be bound again at once: " + l.localAddress());
                for (OpResult r : ledger.await(w, 4)) {
                    assertClosedListener(r, r.context(), l);
                }
            }
            ledger.assertSettled();
        }
    }

    private static void assertClosedListener(OpResult r, Object context, Listener l) {
        assertEquals(Operation.ACCEPT, r.operation(), () -> "operation of " + r);
        assertSame(context, r.context(), () -> "context of " + r);
        assertSame(l, r.listener(), () -> "listener of " + r);
        assertError(r, ConnectionClosedException.class);
        assertNull(r.connection(), () -> "a failed accept has no connection: " + r);
    }

    /**
     * Two watchers, each with a listener on the same port with SO_REUSEPORT: the kernel spreads 200 connections from
     * varied source addresses over both, and every connection echoes through the watcher that accepted it.
     */
    @Test
    void reusePortSpreadsConnectionsOverTwoWatchers() throws Exception {
        int connections = 200;
        CompletionLedger acceptsA = new CompletionLedger("accepts of watcher A");
        CompletionLedger acceptsB = new CompletionLedger("accepts of watcher B");
        EchoServer a = new EchoServer(newWatcher(), ReadMode.RANDOM, 256, 6);
        EchoServer b = new EchoServer(newWatcher(), ReadMode.RANDOM, 256, 7);
        List<SocketChannel> clients = new ArrayList<>();
        try (ClientDriver driver = new ClientDriver()) {
            Listener la = a.watcher().listen(loopback(0), ListenOptions.defaults().reusePort(true));
            Listener lb = b.watcher().listen(la.localAddress(), ListenOptions.defaults().reusePort(true));
            assertEquals(la.localAddress(), lb.localAddress());
            a.acceptFrom(la, acceptsA, 16);
            b.acceptFrom(lb, acceptsB, 16);
            for (int i = 0; i < connections; i++) {
                SocketChannel client = Loopback.client(la.localAddress());
                clients.add(client);
                driver.addEcho(client, List.of(randomBytes(1 + i * 20, 100 + i)));
            }
            driver.run(WAIT);
            awaitCondition(() -> a.closedConnections() + b.closedConnections() == connections, WAIT,
                    () -> "the echo servers saw the end of " + a.closedConnections() + " + " + b.closedConnections()
                            + " connections; failures " + a.failures() + b.failures());
            la.close();
            lb.close();
            acceptsA.awaitBookedElsewhere(WAIT);
            acceptsB.awaitBookedElsewhere(WAIT);
            System.out.println("SO_REUSEPORT: " + acceptsA + "; " + acceptsB);
            acceptsA.assertSettled();
            acceptsB.assertSettled();
            assertEquals(connections, acceptsA.count("ok") + acceptsB.count("ok"), "connections accepted");
            assertTrue(acceptsA.count("ok") > 0 && acceptsB.count("ok") > 0, "the kernel spreads connections "
                    + "over both listeners: " + acceptsA.count("ok") + " + " + acceptsB.count("ok"));
            assertEquals(acceptsA.count("ok"), a.closedConnections(), "connections served by watcher A");
            assertEquals(List.of(), a.failures(), "what echo server A saw going wrong");
            assertEquals(List.of(), b.failures(), "what echo server B saw going wrong");
        } finally {
            a.close();
            b.close();
            closeAll(clients);
        }
    }

    /**
     * A second listener on a port in use fails with BindException, without SO_REUSEPORT and with it on the second
     * only (the first did not agree to share); the failed listens leave no descriptor open and the first listener
     * keeps accepting.
     */
    @Test
    void aSecondListenerWithoutReusePortIsRefused() throws Exception {
        try (Watcher w = newWatcher(); Watcher other = newWatcher()) {
            Listener first = w.listen(loopback(0));
            int fds = openDescriptorCount();
            assertThrows(BindException.class, () -> w.listen(first.localAddress()));
            assertThrows(BindException.class, () -> other.listen(first.localAddress()));
            assertThrows(BindException.class,
                    () -> w.listen(first.localAddress(), ListenOptions.defaults().reusePort(true)));
            assertEquals(fds, openDescriptorCount(), "descriptors after the failed listens");
            assertTrue(first.isOpen(), "the first listener");
            assertAcceptsAndEchoes(w, first);
        }
    }

    /**
     * A listener takes accepts on its own watcher only (IllegalArgumentException at submission elsewhere), and is
     * not a connection (UnsupportedConnectionException for a read); neither leaves anything pending.
     */
    @Test
    void aListenerBelongsToItsWatcher() throws Exception {
        try (Watcher w = newWatcher(); Watcher other = newWatcher()) {
            Listener l = w.listen(loopback(0));
            assertThrows(IllegalArgumentException.class, () -> other.accept("elsewhere", l));
            assertThrows(UnsupportedConnectionException.class, () -> w.read("a listener", l, null));
            assertNoCompletion(other, Duration.ofMillis(100));
            assertNoCompletion(w, Duration.ofMillis(100));
            assertAcceptsAndEchoes(w, l);
        }
    }

    /** The listener still works: one connection accepted, echoed through and freed, each request once. */
    private static void assertAcceptsAndEchoes(Watcher w, Listener l) throws Exception {
        CompletionLedger ledger = new CompletionLedger("accept, echo, free");
        try (OwnedConnection c = OwnedConnection.accept(w, ledger, l)) {
            c.assertEchoesAndFrees(w, ledger, 100, 8);
        }
        ledger.assertSettled();
    }

    /**
     * Closing the watcher closes its listeners (the port can be bound again at once) and the connections they
     * accepted; a pending accept comes back with {@link WatcherClosedException} in the last batch, later submissions
     * are refused, and closing the listener is harmless.
     */
    @Test
    void closingTheWatcherClosesItsListeners() throws Exception {
        CompletionLedger ledger = new CompletionLedger("accept before the watcher closes");
        Watcher w = newWatcher();
        try {
            Listener l = w.listen(loopback(0));
            InetSocketAddress address = l.localAddress();
            try (OwnedConnection c = OwnedConnection.accept(w, ledger, l)) {
                w.accept("pending", l);
                w.close();
                assertFalse(l.isOpen(), "the listener of a closed watcher");
                assertFalse(c.connection.isOpen(), "a connection accepted by a closed watcher");
                assertCanListenOn(address);
                awaitEof(c.peer, WAIT);
                l.close();
                assertThrows(WatcherClosedException.class, () -> w.accept("late", l));
                assertThrows(WatcherClosedException.class, () -> w.listen(loopback(0)));
                List<OpResult> handedBack = new ArrayList<>();
                collectUntilClosed(w, WAIT, handedBack::add);
                assertEquals(1, handedBack.size(), () -> "handed back by the close: " + handedBack);
                assertCompletes(handedBack.get(0), Operation.ACCEPT, "pending", null);
                assertError(handedBack.get(0), WatcherClosedException.class);
                assertThrows(WatcherClosedException.class, () -> w.waitIO(Duration.ZERO));
            }
            ledger.assertSettled();
        } finally {
            w.close();
        }
    }
}
