package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.DeadlineExceededException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A peer that closes or resets the connection (rule 9; gaio's TestSocketClose and TestWriteOnClosedConn): a read
 * completes with {@link EOFException} and size 0 at the end of the stream, after every byte sent before it; a reset
 * surfaces as the socket's {@link IOException}; and writes to a peer that is gone eventually fail.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerCloseTest extends TransportTestBase {

    /** A pending read, into a buffer or the swap buffer, ends with EOF and size 0 when the peer closes. */
    @ParameterizedTest(name = "swap buffer: {0}")
    @ValueSource(booleans = {false, true})
    void pendingReadGetsEndOfStream(boolean swap) throws Exception {
        ByteBuf buf = swap ? null : directBuffer(64);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.read("r", p.server, buf);
            assertNoCompletion(w, Duration.ofMillis(100));
            p.client.close();
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "r", p.server);
            assertError(r, EOFException.class);
            assertEquals(0, r.size());
            if (swap) {
                assertNull(r.buffer(), "a swap-buffer read that read nothing has no buffer");
            } else {
                assertSame(buf, r.buffer());
                assertEquals(0, buf.writerIndex());
            }
            // Every later read ends the same way.
            w.read("again", p.server, buf);
            assertError(awaitResult(w), EOFException.class);
        } finally {
            releaseQuietly(buf);
        }
    }

    /** Bytes sent before the close all arrive first; then the end of stream. */
    @Test
    void bytesBeforeCloseArriveFirst() throws Exception {
        byte[] data = randomBytes(100_000, 60);
        ByteBuf buf = directBuffer(4096);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, data);
            p.client.close();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (true) {
                w.read(null, p.server, buf.clear());
                OpResult r = awaitResult(w);
                if (r.error() instanceof EOFException) {
                    assertEquals(0, r.size());
                    break;
                }
                assertSuccess(r);
                got.writeBytes(readable(buf));
                assertTrue(got.size() <= data.length, "more bytes than were sent");
            }
            assertArrayEquals(data, got.toByteArray());
        } finally {
            buf.release();
        }
    }

    /**
     * A read that took every byte the socket had, then the end of stream: the next read reports it, whether the FIN
     * came with the bytes, before that read was submitted, or while it waits. An edge-triggered transport may skip a
     * read after one that drained the socket, until the next edge; a FIN whose only edge came before the draining
     * read must still be read.
     */
    @ParameterizedTest(name = "swap buffer: {0}")
    @ValueSource(booleans = {false, true})
    void endOfStreamAfterADrainingRead(boolean swap) throws Exception {
        ByteBuf buf = swap ? null : directBuffer(4096);
        byte[] message = {1, 2, 3};
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            for (int i = 0; i < 60; i++) {
                int finAt = i % 3;
                try (Loopback.Pair p = lb.connect()) {
                    p.client.write(ByteBuffer.wrap(message));
                    if (finAt == 0) {
                        p.client.shutdownOutput();
                    }
                    w.read("bytes", p.server, swap ? null : buf.clear());
                    OpResult r = awaitResult(w);
                    assertSuccess(r);
                    assertArrayEquals(message, readable(r.buffer()), "round " + i);
                    if (finAt == 1) {
                        p.client.shutdownOutput();
                        Thread.sleep(1); // lets the FIN's edge come before the read is submitted
                    }
                    w.read("end", p.server, swap ? null : buf.clear());
                    if (finAt == 2) {
                        Thread.sleep(1);
                        p.client.shutdownOutput();
                    }
                    OpResult end = awaitResult(w);
                    assertCompletes(end, Operation.READ, "end", p.server);
                    assertError(end, EOFException.class);
                    w.free(p.server);
                }
            }
        } finally {
            releaseQuietly(buf);
        }
    }

    /** A reset (close with linger 0) fails a pending read with the socket's error, which is not an end of stream. */
    @Test
    void resetFailsPendingRead() throws Exception {
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.read("r", p.server, null);
            assertNoCompletion(w, Duration.ofMillis(100));
            p.client.setOption(StandardSocketOptions.SO_LINGER, 0);
            p.client.close();
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "r", p.server);
            IOException e = assertError(r, IOException.class);
            assertFalse(e instanceof EOFException, () -> "a reset is reported as the socket's error, got " + e);
            assertFalse(e instanceof ConnectionClosedException, () -> "the watcher did not free it: " + e);
        }
    }

    /** Writes to a peer that closed end with an I/O error within a bounded number of writes. */
    @ParameterizedTest(name = "reset: {0}")
    @ValueSource(booleans = {false, true})
    void writesToAClosedPeerFail(boolean reset) throws Exception {
        ByteBuf chunk = directBuffer(64 * 1024).writeZero(64 * 1024);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            if (reset) {
                p.client.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
            p.client.close();
            Throwable error = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (int i = 0; i < 1000 && error == null; i++) {
                assertTrue(System.nanoTime() - deadline < 0, "writes to a closed peer kept succeeding for 20 s");
                chunk.readerIndex(0);
                w.writeTimeout(i, p.server, chunk, Duration.ofSeconds(10));
                OpResult r = awaitResult(w);
                assertCompletes(r, Operation.WRITE, i, p.server);
                error = r.error();
            }
            assertTrue(error instanceof IOException, "writes to a closed peer never failed");
            assertFalse(error instanceof DeadlineExceededException, "a write to a closed peer hung: " + error);
            assertFalse(error instanceof ConnectionClosedException, "the watcher did not free it: " + error);
        } finally {
            chunk.release();
        }
    }
}
