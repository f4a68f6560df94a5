package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectOptions;
import io.gaio.Connection;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A {@link Connection} a watcher owns, accepted on its {@link Listener} or opened by its {@code connect}, and the
 * blocking JDK socket at the other end for the test to drive. The factories check the ACCEPT or CONNECT result and
 * book it in the test's {@link CompletionLedger}. Closing closes the JDK end only: the watcher owns its end.
 */
final class OwnedConnection implements AutoCloseable {
    /** The watcher's end. */
    final Connection connection;
    /** The other end, in blocking mode. */
    final SocketChannel peer;

    private OwnedConnection(Connection connection, SocketChannel peer) {
        this.connection = connection;
        this.peer = peer;
    }

    /** Submits one accept on {@code listener}, connects a JDK client to it, and checks the accept's result. */
    static OwnedConnection accept(Watcher w, CompletionLedger ledger, Listener listener) throws Exception {
        Long id = ledger.open();
        w.accept(id, listener);
        SocketChannel client = Loopback.client(listener.localAddress());
        try {
            Connection c = assertAccepted(ledger.await(w, 1).get(0), id, listener);
            assertEquals(client.getLocalAddress(), c.remoteAddress(), "the accepted connection's remote address");
            assertEquals(client.getRemoteAddress(), c.localAddress(), "the accepted connection's local address");
            return new OwnedConnection(c, client);
        } catch (Exception | Error e) {
            client.close();
            throw e;
        }
    }

    /**
     * Connects to {@code server} with {@code options}, accepts there, and checks the connect's result and the
     * connection's addresses.
     */
    static OwnedConnection connect(Watcher w, CompletionLedger ledger, ServerSocketChannel server,
                                   ConnectOptions options) throws Exception {
        Long id = ledger.open();
        Connection c = w.connect(id, (InetSocketAddress) server.getLocalAddress(), options);
        SocketChannel accepted = server.accept();
        try {
            OpResult r = ledger.await(w, 1).get(0);
            TransportTestBase.assertCompletes(r, Operation.CONNECT, id, c);
            TransportTestBase.assertSuccess(r);
            assertTrue(c.isOpen(), "a connected connection is open");
            assertEquals(server.getLocalAddress(), c.remoteAddress(), "the connection's remote address");
            assertEquals(accepted.getRemoteAddress(), c.localAddress(), "the connection's local address, as the "
                    + "server saw it");
            return new OwnedConnection(c, accepted);
        } catch (Exception | Error e) {
            accepted.close();
            throw e;
        }
    }

    /** {@link #connect(Watcher, CompletionLedger, ServerSocketChannel, ConnectOptions)} with default options. */
    static OwnedConnection connect(Watcher w, CompletionLedger ledger, ServerSocketChannel server) throws Exception {
        return connect(w, ledger, server, ConnectOptions.defaults());
    }

    /**
     * A connection accepted on a listener of {@code w} opened for it, or connected by {@code w} to a JDK server
     * opened for it; the listener or server is closed again, the connection stays.
     */
    static OwnedConnection open(Watcher w, CompletionLedger ledger, boolean accepted) throws Exception {
        if (accepted) {
            Listener l = w.listen(TransportTestBase.loopback(0));
            try {
                return accept(w, ledger, l);
            } finally {
                l.close();
            }
        }
        try (ServerSocketChannel server = Loopback.server(1)) {
            return connect(w, ledger, server);
        }
    }

    /** Checks a successful accept: its context, operation and listener; returns the new connection. */
    static Connection assertAccepted(OpResult r, Object context, Listener listener) {
        assertNotNull(r, "result");
        assertEquals(Operation.ACCEPT, r.operation(), () -> "operation of " + r);
        assertSame(context, r.context(), () -> "context of " + r);
        assertSame(listener, r.listener(), () -> "listener of " + r);
        TransportTestBase.assertSuccess(r);
        Connection c = assertInstanceOf(Connection.class, r.connection(), () -> "connection of " + r);
        assertTrue(c.isOpen(), () -> "a connection just accepted is open: " + r);
        assertEquals(listener.localAddress(), c.localAddress(), "an accepted connection's local address");
        return c;
    }

    /**
     * One echo through the connection ({@link TransportTestBase#assertEchoes}), then free: the peer sees the end of
     * stream, the connection is closed, and nothing else completes.
     */
    void assertEchoesAndFrees(Watcher w, CompletionLedger ledger, int size, long seed) throws Exception {
        TransportTestBase.assertEchoes(w, ledger, connection, peer, size, seed);
        w.free(connection);
        TransportTestBase.awaitEof(peer, TransportTestBase.WAIT);
        assertFalse(connection.isOpen(), "a freed connection is closed");
        TransportTestBase.assertNoCompletion(w, Duration.ofMillis(100));
    }

    /** Closes the JDK end. */
    @Override
    public void close() throws IOException {
        peer.close();
    }
}
