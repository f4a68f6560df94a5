package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gaio.EmptyBufferException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.EOFException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code readFull} (rule 3; gaio's TestReadFull): it completes only when its buffer is full, however the bytes are
 * cut into pieces, reports an end of stream before that with the bytes read so far, and is refused at submission
 * without a buffer or without room in it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadFullTest extends TransportTestBase {

    /** Four pieces with pauses between them: nothing completes until the last piece arrived. */
    @Test
    void completesOnlyWhenFull() throws Exception {
        byte[] data = randomBytes(1000, 20);
        ByteBuf buf = directBuffer(data.length);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.readFull("full", p.server, buf, null);
            int[] cuts = {0, 1, 400, 999, 1000};
            for (int i = 0; i + 1 < cuts.length; i++) {
                assertNoCompletion(w, Duration.ofMillis(100));
                sendAll(p.client, Arrays.copyOfRange(data, cuts[i], cuts[i + 1]));
            }
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "full", p.server);
            assertSuccess(r);
            assertEquals(data.length, r.size());
            assertFalse(r.isSwapBuffer());
            assertArrayEquals(data, readable(buf));
        } finally {
            buf.release();
        }
    }

    /** Fills from the buffer's writer index, keeping what the buffer held before. */
    @Test
    void fillsFromTheWriterIndex() throws Exception {
        byte[] prefix = {1, 2, 3};
        byte[] data = randomBytes(500, 21);
        ByteBuf buf = directBuffer(prefix.length + data.length).writeBytes(prefix);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, data);
            w.readFull(null, p.server, buf, Duration.ofSeconds(10));
            OpResult r = awaitResult(w);
            assertSuccess(r);
            assertEquals(data.length, r.size());
            byte[] all = readable(buf);
            assertArrayEquals(prefix, Arrays.copyOf(all, 3));
            assertArrayEquals(data, Arrays.copyOfRange(all, 3, all.length));
        } finally {
            buf.release();
        }
    }

    /** The peer closes after 300 of 1000 bytes: an end-of-stream error reporting the 300 bytes in the buffer. */
    @Test
    void endOfStreamBeforeFull() throws Exception {
        byte[] part = randomBytes(300, 22);
        ByteBuf buf = directBuffer(1000);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.readFull("eof", p.server, buf, null);
            sendAll(p.client, part);
            assertNoCompletion(w, Duration.ofMillis(100));
            p.client.close();
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "eof", p.server);
            assertError(r, EOFException.class);
            assertEquals(300, r.size(), "bytes read before the end of stream");
            assertArrayEquals(part, readable(buf));
        } finally {
            buf.release();
        }
    }

    /** Two readFulls queued on one connection take consecutive parts of the stream, in order. */
    @Test
    void queuedReadFullsTakeConsecutiveParts() throws Exception {
        byte[] data = randomBytes(3000, 23);
        ByteBuf a = directBuffer(1000);
        ByteBuf b = directBuffer(2000);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.readFull("a", p.server, a, null);
            w.readFull("b", p.server, b, null);
            sendAll(p.client, data);
            var results = awaitResults(w, 2);
            assertCompletes(results.get(0), Operation.READ, "a", p.server);
            assertCompletes(results.get(1), Operation.READ, "b", p.server);
            assertArrayEquals(Arrays.copyOf(data, 1000), readable(a));
            assertArrayEquals(Arrays.copyOfRange(data, 1000, 3000), readable(b));
        } finally {
            a.release();
            b.release();
        }
    }

    /** No buffer, or a buffer without writable bytes, is refused at submission. */
    @Test
    void refusesNullAndFullBuffers() throws Exception {
        ByteBuf full = directBuffer(4).writeInt(42);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            assertThrows(EmptyBufferException.class, () -> w.readFull(null, p.server, null, null));
            assertThrows(EmptyBufferException.class, () -> w.readFull(null, p.server, null, Duration.ofSeconds(1)));
            assertThrows(EmptyBufferException.class, () -> w.readFull(null, p.server, full, null));
            assertNoCompletion(w, Duration.ofMillis(200));
        } finally {
            full.release();
        }
    }
}
