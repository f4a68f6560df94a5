package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code free(conn)} (rule 5; gaio's TestFree): it closes the socket at once, completes every request pending on
 * the connection with {@link ConnectionClosedException} (each exactly once, in order), makes later requests on the
 * same object complete with that error too, is harmless twice, and leaves objects the watcher never took over alone.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FreeTest extends TransportTestBase {

    /** Ten reads queued on one connection: free completes all ten with the error, in order, none twice. */
    @Test
    void freeCompletesPendingReads() throws Exception {
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            for (int i = 0; i < 10; i++) {
                ByteBuf b = i % 2 == 0 ? null : directBuffer(16);
                if (b != null) {
                    buffers.add(b);
                }
                w.read(i, p.server, b);
            }
            assertNoCompletion(w, Duration.ofMillis(100));
            w.free(p.server);
            List<OpResult> results = awaitResults(w, 10);
            for (int i = 0; i < 10; i++) {
                OpResult r = results.get(i);
                assertCompletes(r, Operation.READ, i, p.server);
                assertError(r, ConnectionClosedException.class);
                assertEquals(0, r.size());
            }
            assertNoCompletion(w, Duration.ofMillis(200));
            awaitEof(p.client, WAIT);
        } finally {
            releaseQuietly(buffers);
        }
    }

    /**
     * A write stuck on a peer that does not read completes with the error and the bytes it got out; a read waiting in
     * its own buffer completes with the error and its buffer untouched (on io_uring both were lent to the kernel).
     */
    @Test
    void freeCompletesPendingWrite() throws Exception {
        int total = 16 * 1024 * 1024;
        ByteBuf big = directBuffer(total).writeZero(total);
        ByteBuf read = directBuffer(4096);
        byte[] untouched = new byte[read.capacity()];
        Arrays.fill(untouched, (byte) 0xEE);
        read.setBytes(0, untouched);
        try (Loopback lb = Loopback.open();
             Loopback.Pair p = lb.connect(ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024));
             Watcher w = newWatcher()) {
            w.write("big", p.server, big);
            w.read("read", p.server, read);
            assertNoCompletion(w, Duration.ofMillis(200));
            w.free(p.server);
            List<OpResult> results = awaitResults(w, 2);
            for (OpResult r : results) {
                assertCompletes(r, r.operation(), r.operation() == Operation.READ ? "read" : "big", p.server);
                assertError(r, ConnectionClosedException.class);
                if (r.operation() == Operation.WRITE) {
                    assertTrue(r.size() < total, () -> "wrote everything to a peer that reads nothing: " + r);
                    assertEquals(r.size(), big.readerIndex(), "reader index moved by the bytes written");
                }
            }
            assertNoCompletion(w, Duration.ofMillis(200));
            assertEquals(0, read.writerIndex(), "the freed read's writer index");
            byte[] after = new byte[read.capacity()];
            read.getBytes(0, after);
            assertArrayEquals(untouched, after, "nothing wrote into the freed read's buffer");
        } finally {
            releaseQuietly(big, read);
        }
    }

    /** After free, a new request on the same object completes (not throws) with the error; free twice is harmless. */
    @Test
    void requestsAfterFreeFail() throws Exception {
        ByteBuf out = bufferOf(new byte[] {5});
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, new byte[] {1});
            w.read("first", p.server, null);
            assertSuccess(awaitResult(w));
            w.free(p.server);
            awaitEof(p.client, WAIT);
            w.free(p.server);
            w.read("read after free", p.server, null);
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "read after free", p.server);
            assertError(r, ConnectionClosedException.class);
            w.write("write after free", p.server, out);
            OpResult wr = awaitResult(w);
            assertCompletes(wr, Operation.WRITE, "write after free", p.server);
            assertError(wr, ConnectionClosedException.class);
            assertNoCompletion(w, Duration.ofMillis(200));
        } finally {
            out.release();
        }
    }

    /** Freeing an object the watcher never took over does nothing to it. */
    @Test
    void freeOfUnknownConnectionIsIgnored() throws Exception {
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.free(p.server);
            assertNoCompletion(w, Duration.ofMillis(200));
            assertTrue(p.server.isOpen(), "free closed a connection the watcher never had");
            byte[] data = {1, 2, 3};
            sendAll(p.server, data);
            assertArrayEquals(data, readExactly(p.client, 3, WAIT));
        }
    }

    /** Freeing one connection leaves the others of the watcher alone. */
    @Test
    void freeAffectsOnlyItsConnection() throws Exception {
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(3);
            for (int i = 0; i < 3; i++) {
                w.read(i, pairs.get(i).server, null);
            }
            w.free(pairs.get(1).server);
            OpResult freed = awaitResult(w);
            assertCompletes(freed, Operation.READ, 1, pairs.get(1).server);
            assertError(freed, ConnectionClosedException.class);
            for (int i : new int[] {0, 2}) {
                sendAll(pairs.get(i).client, new byte[] {(byte) i});
                OpResult r = awaitResult(w);
                assertCompletes(r, Operation.READ, i, pairs.get(i).server);
                assertSuccess(r);
            }
        }
    }
}
