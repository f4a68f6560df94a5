package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cleanup by the garbage collector (rule 14; gaio's TestGC): a delegated connection object the program drops
 * without {@code free} gets its socket closed (where the transport keeps its own duplicate of the socket, so that
 * the caller's object can become unreachable), so does a {@link io.gaio.Connection} of the watcher's own (on every
 * transport), and a watcher dropped without {@code close} is closed with every socket it owned.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CleanerTest extends TransportTestBase {
    private static final Duration GC_WAIT = Duration.ofSeconds(30);

    /** A connection dropped after one completed read and write: the peer sees the end of stream. */
    @Test
    void droppedConnectionIsClosed() throws Exception {
        assumeTrue(transport().duplicatesSockets(), "transport " + transport().name() + " uses the caller's object "
                + "itself; it stays reachable until free/close");
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            assertClosedOnceCollected(w, delegateAndDrop(lb, w), "a dropped connection object");
        }
    }

    /**
     * Collects garbage until the peer of a dropped connection sees the end of stream, then until the watcher's
     * descriptor is released; closes the peer.
     */
    private static void assertClosedOnceCollected(Watcher w, SocketChannel peer, String what) throws Exception {
        try {
            peer.configureBlocking(false);
            int before = openDescriptorCount();
            gcUntil(() -> {
                drainResults(w);
                return peerClosed(peer);
            }, GC_WAIT, "closing the socket of " + what);
            if (before >= 0) {
                gcUntil(() -> countDescriptors() < before, Duration.ofSeconds(10),
                        "releasing the descriptor of " + what);
            }
        } finally {
            peer.close();
        }
    }

    /**
     * A {@link io.gaio.Connection} the watcher owns, accepted or connected, dropped with no request pending after an
     * echo: closed on every transport (the watcher owns the socket; nothing is duplicated), so the peer sees the end
     * of stream and the descriptor is released.
     */
    @ParameterizedTest(name = "accepted: {0}")
    @ValueSource(booleans = {true, false})
    void droppedOwnedConnectionIsClosed(boolean accepted) throws Exception {
        try (Watcher w = newWatcher()) {
            assertClosedOnceCollected(w, ownAndDrop(w, accepted), "a dropped Connection");
        }
    }

    /** Opens a connection of the watcher's own, echoes once through it, and keeps only the peer's end. */
    private static SocketChannel ownAndDrop(Watcher w, boolean accepted) throws Exception {
        CompletionLedger ledger = new CompletionLedger("before the drop");
        OwnedConnection c = OwnedConnection.open(w, ledger, accepted);
        try {
            assertEchoes(w, ledger, c.connection, c.peer, 10, 1);
            ledger.assertSettled();
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
        return c.peer;
    }

    /** Delegates a new connection with a completed read and write, and keeps only its client end. */
    private static SocketChannel delegateAndDrop(Loopback lb, Watcher w) throws Exception {
        Loopback.Pair p = lb.connect();
        lb.forget(p);
        ByteBuf pong = bufferOf(new byte[] {2});
        try {
            sendAll(p.client, new byte[] {1});
            w.read(null, p.server, null);
            assertSuccess(awaitResult(w));
            w.write(null, p.server, pong);
            assertSuccess(awaitResult(w));
            assertArrayEquals(new byte[] {2}, readExactly(p.client, 1, WAIT));
        } catch (Exception | Error e) {
            p.close();
            throw e;
        } finally {
            pong.release();
        }
        return p.client;
    }

    /** A watcher dropped without close, with a delegated connection: the peer sees the end of stream. */
    @Test
    void droppedWatcherIsClosed() throws Exception {
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect()) {
            WeakReference<Watcher> dropped = delegateToDroppedWatcher(p);
            p.client.configureBlocking(false);
            gcUntil(() -> dropped.get() == null && peerClosed(p.client), GC_WAIT,
                    "closing the connections of an unreferenced watcher");
        }
    }

    private static WeakReference<Watcher> delegateToDroppedWatcher(Loopback.Pair p) throws Exception {
        Watcher w = newWatcher();
        try {
            sendAll(p.client, new byte[] {1});
            w.read(null, p.server, null);
            assertSuccess(awaitResult(w));
            w.read(null, p.server, null); // and one pending
        } catch (Exception | Error e) {
            w.close();
            throw e;
        }
        return new WeakReference<>(w);
    }

    /** Forgets delivered results, which reference their connections until the next waitIO(). */
    private static void drainResults(Watcher w) {
        try {
            w.waitIO(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A non-blocking read on the client: true at end of stream or reset, false while the connection is open. */
    private static boolean peerClosed(SocketChannel client) {
        try {
            return client.read(ByteBuffer.allocate(16)) < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private static int countDescriptors() {
        try {
            return openDescriptorCount();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
