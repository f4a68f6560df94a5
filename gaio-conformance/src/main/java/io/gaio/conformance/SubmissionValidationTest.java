package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.EmptyBufferException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.UnsupportedConnectionException;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Misuse fails at submission, never through a result (rule 7; gaio's TestEmptyBuffer and TestUnsupportedConn):
 * empty buffers, unsupported or null connections, released buffers, read-only buffers to read into, and a closed
 * watcher each throw their specific exception at once, complete nothing, and leave the connection usable. A
 * connection that is already closed is not misuse of the API: its request completes with
 * {@link ConnectionClosedException}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SubmissionValidationTest extends TransportTestBase {
    private static final Duration LONG = Duration.ofSeconds(10);

    /** Writes of nothing: a null buffer or one without readable bytes. */
    @Test
    void emptyWriteBuffer() throws Exception {
        ByteBuf empty = directBuffer(16);
        ByteBuf consumed = bufferOf(new byte[] {1, 2});
        consumed.skipBytes(2);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            for (ByteBuf b : new ByteBuf[] {null, empty, consumed, Unpooled.EMPTY_BUFFER}) {
                assertThrows(EmptyBufferException.class, () -> w.write(null, p.server, b), "write of " + b);
                assertThrows(EmptyBufferException.class, () -> w.writeTimeout(null, p.server, b, LONG),
                        "writeTimeout of " + b);
            }
            assertStillUsable(w, p);
        } finally {
            empty.release();
            consumed.release();
        }
    }

    /** Reads into a buffer without writable bytes (a null buffer is the swap buffer, and fine). */
    @Test
    void readIntoBufferWithoutRoom() throws Exception {
        ByteBuf full = directBuffer(2).writeShort(7);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            assertThrows(EmptyBufferException.class, () -> w.read(null, p.server, full));
            assertThrows(EmptyBufferException.class, () -> w.readTimeout(null, p.server, full, LONG));
            assertThrows(EmptyBufferException.class, () -> w.readFull(null, p.server, full, null));
            assertStillUsable(w, p);
        } finally {
            full.release();
        }
    }

    /** Null and unsupported connection objects, for every kind of request. */
    @Test
    void unsupportedConnections() throws Exception {
        ByteBuf out = bufferOf(new byte[] {1});
        ByteBuf in = directBuffer(8);
        try (Watcher w = newWatcher(); Socket plainSocket = new Socket();
             ServerSocketChannel listener = ServerSocketChannel.open()) {
            Object[] unsupported = {null, "a string", 42, plainSocket, listener, new Object()};
            for (Object conn : unsupported) {
                List<Executable> submissions = List.of(
                        () -> w.read(null, conn, in),
                        () -> w.read(null, conn, null),
                        () -> w.readTimeout(null, conn, in, LONG),
                        () -> w.readFull(null, conn, in, null),
                        () -> w.write(null, conn, out),
                        () -> w.writeTimeout(null, conn, out, LONG));
                for (Executable submission : submissions) {
                    UnsupportedConnectionException e = assertThrows(UnsupportedConnectionException.class,
                            submission, () -> "a request on " + conn);
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "an explaining message");
                }
            }
            assertNoCompletion(w, Duration.ofMillis(200));
            assertTrue(out.isReadable(), "a refused write must not touch the buffer");
        } finally {
            out.release();
            in.release();
        }
    }

    /** Buffers already released are refused for reads and writes. */
    @Test
    void releasedBuffers() throws Exception {
        ByteBuf released = directBuffer(8).writeLong(1);
        released.release();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            assertThrows(IllegalArgumentException.class, () -> w.read(null, p.server, released));
            assertThrows(IllegalArgumentException.class, () -> w.readFull(null, p.server, released, null));
            assertThrows(IllegalArgumentException.class, () -> w.write(null, p.server, released));
            assertThrows(IllegalArgumentException.class, () -> w.writeTimeout(null, p.server, released, LONG));
            assertStillUsable(w, p);
        }
    }

    /** A read-only buffer cannot be read into. */
    @Test
    void readOnlyBufferForRead() throws Exception {
        ByteBuf writable = directBuffer(8);
        ByteBuf readOnly = writable.asReadOnly();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            assertTrue(readOnly.isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> w.read(null, p.server, readOnly));
            assertThrows(IllegalArgumentException.class, () -> w.readTimeout(null, p.server, readOnly, LONG));
            assertThrows(IllegalArgumentException.class, () -> w.readFull(null, p.server, readOnly, null));
            assertStillUsable(w, p);
        } finally {
            writable.release();
        }
    }

    /** Every submission on a closed watcher throws {@link WatcherClosedException}. */
    @Test
    void submissionsOnClosedWatcher() throws Exception {
        ByteBuf out = bufferOf(new byte[] {1});
        ByteBuf in = directBuffer(8);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect()) {
            Watcher w = newWatcher();
            w.close();
            List<Executable> submissions = List.of(
                    () -> w.read(null, p.server, in),
                    () -> w.read(null, p.server, null),
                    () -> w.readTimeout(null, p.server, in, LONG),
                    () -> w.readFull(null, p.server, in, LONG),
                    () -> w.write(null, p.server, out),
                    () -> w.writeTimeout(null, p.server, out, LONG),
                    () -> w.free(p.server));
            for (Executable submission : submissions) {
                assertThrows(WatcherClosedException.class, submission);
            }
            assertTrue(p.server.isOpen(), "a closed watcher must not take over a connection");
        } finally {
            out.release();
            in.release();
        }
    }

    /** A request on a channel that is already closed completes with {@link ConnectionClosedException}. */
    @Test
    void alreadyClosedConnectionCompletesWithError() throws Exception {
        ByteBuf out = bufferOf(new byte[] {1});
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            p.server.close();
            w.read("read", p.server, null);
            w.write("write", p.server, out);
            List<OpResult> results = awaitResults(w, 2);
            for (OpResult r : results) {
                assertCompletes(r, r.operation(), r.operation() == Operation.READ ? "read" : "write", p.server);
                assertError(r, ConnectionClosedException.class);
            }
            assertFalse(results.get(0).operation() == results.get(1).operation(), "one read, one write");
        } finally {
            out.release();
        }
    }

    /** After refused submissions nothing completes and the connection still works: one echo through it. */
    private static void assertStillUsable(Watcher w, Loopback.Pair p) throws Exception {
        assertNoCompletion(w, Duration.ofMillis(200));
        byte[] ping = {9, 8, 7};
        sendAll(p.client, ping);
        ByteBuf in = directBuffer(3);
        try {
            w.readFull("check", p.server, in, null);
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "check", p.server);
            assertSuccess(r);
            w.write("check", p.server, in);
            assertSuccess(awaitResult(w));
            assertArrayEquals(ping, readExactly(p.client, 3, WAIT));
        } finally {
            in.release();
        }
    }
}
