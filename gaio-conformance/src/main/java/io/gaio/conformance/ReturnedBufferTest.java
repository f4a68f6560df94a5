package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.DeadlineExceededException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A buffer is the caller's again once its request completed, even when a deadline or {@code free} ended the request
 * while a completion-based transport (io_uring) had it lent to the kernel: nothing writes into it afterwards, no byte
 * the socket received is lost, and each request still completes exactly once. On readiness-based transports the
 * same holds trivially; the test pins the rule for all.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReturnedBufferTest extends TransportTestBase {
    private static final byte UNTOUCHED = (byte) 0xEE;

    /** An expired read's buffer stays untouched, and the bytes sent afterwards go whole to the next read. */
    @Test
    void expiredReadGivesItsBufferBackAndLosesNoBytes() throws Exception {
        ByteBuf expired = directBuffer(4096);
        ByteBuf next = directBuffer(1000);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            expired.setBytes(0, filled(expired.capacity()));
            w.readTimeout("expired", p.server, expired, Duration.ofMillis(100));
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "expired", p.server);
            assertError(r, DeadlineExceededException.class);
            assertEquals(0, r.size());

            byte[] data = randomBytes(1000, 7);
            sendAll(p.client, data);
            w.readFull("next", p.server, next, WAIT);
            OpResult n = awaitResult(w);
            assertCompletes(n, Operation.READ, "next", p.server);
            assertSuccess(n);
            assertArrayEquals(data, readable(next), "the bytes sent after the deadline, whole and in order");
            assertNoCompletion(w, Duration.ofMillis(100));
            assertEquals(0, expired.writerIndex(), "the expired read's writer index");
            byte[] after = new byte[expired.capacity()];
            expired.getBytes(0, after);
            assertArrayEquals(filled(after.length), after, "nothing wrote into the expired read's buffer");
        } finally {
            releaseQuietly(expired, next);
        }
    }

    /**
     * {@code free} with a read waiting in its own buffer and a write stuck on a peer that reads nothing: both end
     * once with the error, the read's buffer untouched, the write's reader index at the bytes it got out.
     */
    @Test
    void freeGivesLentBuffersBack() throws Exception {
        int total = 8 * 1024 * 1024;
        ByteBuf read = directBuffer(4096);
        ByteBuf big = directBuffer(total).writeZero(total);
        try (Loopback lb = Loopback.open();
             Loopback.Pair p = lb.connect(ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024));
             Watcher w = newWatcher()) {
            read.setBytes(0, filled(read.capacity()));
            w.read("read", p.server, read);
            w.write("big", p.server, big);
            assertNoCompletion(w, Duration.ofMillis(200));
            w.free(p.server);
            List<OpResult> results = awaitResults(w, 2);
            for (OpResult r : results) {
                assertCompletes(r, r.operation(), r.operation() == Operation.READ ? "read" : "big", p.server);
                assertError(r, ConnectionClosedException.class);
            }
            OpResult write = results.get(0).operation() == Operation.WRITE ? results.get(0) : results.get(1);
            assertTrue(write.size() < total, () -> "wrote everything to a peer that reads nothing: " + write);
            assertEquals(write.size(), big.readerIndex(), "reader index moved by the bytes written");
            assertNoCompletion(w, Duration.ofMillis(200));
            byte[] after = new byte[read.capacity()];
            read.getBytes(0, after);
            assertArrayEquals(filled(after.length), after, "nothing wrote into the freed read's buffer");
        } finally {
            releaseQuietly(read, big);
        }
    }

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, UNTOUCHED);
        return b;
    }
}
