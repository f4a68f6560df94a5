package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.gaio.ConnectionClosedException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Half-close from the watcher's side ({@link Watcher#shutdownOutput}), on an accepted, a connected and a delegated
 * connection: queued behind the writes before it, it completes as {@link Operation#SHUTDOWN_OUTPUT} after them, in
 * order; the peer reads every byte, then end of stream, while it can still send and the watcher still reads; a write
 * after it fails with an {@link IOException} (not as a closed connection). Each request completes exactly once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HalfCloseTest extends TransportTestBase {

    /** How the watcher got the connection. */
    enum Kind {
        /** Accepted on the watcher's own listener. */
        ACCEPTED,
        /** Opened by the watcher's connect. */
        CONNECTED,
        /** A JDK SocketChannel handed to the watcher. */
        DELEGATED
    }

    /**
     * Three writes, shutdownOutput, one more write: the peer gets the three writes, then end of stream; the results
     * come in submission order, the last write failing; then the peer sends and half-closes, and the watcher reads
     * it all, then EOF.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void thePeerReadsEverythingThenTheEndWhileItCanStillSend(Kind kind) throws Exception {
        int writes = 3;
        int size = 64 * 1024;
        CompletionLedger ledger = new CompletionLedger("writes, shutdownOutput, a late write, reads");
        List<ByteBuf> buffers = new ArrayList<>();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (Watcher w = newWatcher(); Ends ends = Ends.open(kind, w, ledger)) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < writes; i++) {
                byte[] data = randomBytes(size, 20 + i);
                expected.writeBytes(data);
                ByteBuf b = bufferOf(data);
                buffers.add(b);
                ids.add(ledger.open());
                w.write(ids.get(i), ends.connection, b);
            }
            ids.add(ledger.open());
            w.shutdownOutput(ids.get(writes), ends.connection);
            ByteBuf late = bufferOf(new byte[] {1, 2, 3});
            buffers.add(late);
            ids.add(ledger.open());
            w.write(ids.get(writes + 1), ends.connection, late);

            assertArrayEquals(expected.toByteArray(), readExactly(ends.peer, writes * size, WAIT),
                    "what the peer read before the end of stream");
            awaitEof(ends.peer, WAIT);
            List<OpResult> results = ledger.await(w, writes + 2);
            for (int i = 0; i < writes; i++) {
                assertCompletes(results.get(i), Operation.WRITE, ids.get(i), ends.connection);
                assertSuccess(results.get(i));
                assertEquals(size, results.get(i).size());
            }
            OpResult shut = results.get(writes);
            assertCompletes(shut, Operation.SHUTDOWN_OUTPUT, ids.get(writes), ends.connection);
            assertSuccess(shut);
            assertNull(shut.buffer(), "the buffer of a shutdownOutput result");
            OpResult refused = results.get(writes + 1);
            assertCompletes(refused, Operation.WRITE, ids.get(writes + 1), ends.connection);
            IOException e = assertError(refused, IOException.class);
            assertFalse(e instanceof ConnectionClosedException, "a write after shutdownOutput on an open connection "
                    + "failed as if the connection were closed: " + e);
            assertEquals(0, late.readerIndex(), "nothing of the late write went out");

            byte[] reply = randomBytes(100_000, 30);
            sendAll(ends.peer, reply);
            ends.peer.shutdownOutput();
            ByteBuf in = directBuffer(reply.length);
            buffers.add(in);
            Long readId = ledger.open();
            w.readFull(readId, ends.connection, in, null);
            OpResult read = ledger.await(w, 1).get(0);
            assertCompletes(read, Operation.READ, readId, ends.connection);
            assertSuccess(read);
            assertArrayEquals(reply, readable(in), "what the watcher read after its own shutdownOutput");
            Long eofId = ledger.open();
            w.read(eofId, ends.connection, null);
            OpResult eof = ledger.await(w, 1).get(0);
            assertCompletes(eof, Operation.READ, eofId, ends.connection);
            assertError(eof, EOFException.class);
            w.free(ends.connection);
            assertNoCompletion(w, Duration.ofMillis(100));
            ledger.assertSettled();
        } finally {
            releaseQuietly(buffers);
        }
    }

    /**
     * A 16 MiB write stuck on a peer that does not read yet, then shutdownOutput: neither completes until the peer
     * reads; then the write completes, the shutdown after it, and the peer sees end of stream after the last byte.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void shutdownOutputWaitsForAStuckWrite(Kind kind) throws Exception {
        int total = 16 * 1024 * 1024;
        byte[] data = randomBytes(total, 40);
        ByteBuf big = bufferOf(data);
        CompletionLedger ledger = new CompletionLedger("a stuck write, then shutdownOutput");
        try (Watcher w = newWatcher(); Ends ends = Ends.open(kind, w, ledger)) {
            Long writeId = ledger.open();
            w.write(writeId, ends.connection, big);
            Long shutId = ledger.open();
            w.shutdownOutput(shutId, ends.connection);
            assertNoCompletion(w, Duration.ofMillis(200));
            assertArrayEquals(data, readExactly(ends.peer, total, WAIT), "what the peer read");
            awaitEof(ends.peer, WAIT);
            List<OpResult> results = ledger.await(w, 2);
            assertCompletes(results.get(0), Operation.WRITE, writeId, ends.connection);
            assertSuccess(results.get(0));
            assertEquals(total, results.get(0).size());
            assertCompletes(results.get(1), Operation.SHUTDOWN_OUTPUT, shutId, ends.connection);
            assertSuccess(results.get(1));
            w.free(ends.connection);
            ledger.assertSettled();
        } finally {
            big.release();
        }
    }

    /** The watcher's end of a connection of the given kind, the JDK peer, and what to close afterwards. */
    private static final class Ends implements AutoCloseable {
        final Object connection;
        final SocketChannel peer;
        private final AutoCloseable resources;

        private Ends(Object connection, SocketChannel peer, AutoCloseable resources) {
            this.connection = connection;
            this.peer = peer;
            this.resources = resources;
        }

        static Ends open(Kind kind, Watcher w, CompletionLedger ledger) throws Exception {
            if (kind != Kind.DELEGATED) {
                OwnedConnection c = OwnedConnection.open(w, ledger, kind == Kind.ACCEPTED);
                return new Ends(c.connection, c.peer, c);
            }
            Loopback lb = Loopback.open();
            try {
                Loopback.Pair p = lb.connect();
                return new Ends(p.server, p.client, lb);
            } catch (IOException | RuntimeException e) {
                lb.close();
                throw e;
            }
        }

        @Override
        public void close() throws Exception {
            resources.close();
        }
    }
}
