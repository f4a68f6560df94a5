package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gaio.DeadlineExceededException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A buffer is the caller's again once its request completed, even when a deadline ended the request while a
 * completion-based transport (io_uring) had it lent to the kernel: nothing writes into it afterwards, no byte the
 * socket received is lost, and the request still completes exactly once. On readiness-based transports the same
 * holds trivially; the test pins the rule for all. ({@code free} with lent buffers: {@code FreeTest}.)
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

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, UNTOUCHED);
        return b;
    }
}
