package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.OpResult;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Back-pressure (rule 16): with no read pending the watcher reads nothing, so a peer that keeps writing fills the
 * socket buffers and then cannot write more; a read submitted afterwards gets the bytes, and every byte the peer
 * wrote arrives, in order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackPressureTest extends TransportTestBase {
    /** Far more than the small socket buffers of this test can hold. */
    private static final long LIMIT = 16 * 1024 * 1024;

    @Test
    void noReadMeansNoConsumption() throws Exception {
        ByteBuf in = directBuffer(64 * 1024);
        try (Loopback lb = Loopback.open(16 * 1024);
             Loopback.Pair p = lb.connect(ch -> ch.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024));
             Watcher w = newWatcher()) {
            // Delegate with one completed read; then no read is pending.
            p.client.write(ByteBuffer.wrap(new byte[] {0}));
            w.read(null, p.server, in);
            assertSuccess(awaitResult(w));

            p.client.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(8192);
            long written = 1;
            int idle = 0;
            while (idle < 10) {
                fill(chunk, written);
                int k = p.client.write(chunk);
                written += k;
                if (written > LIMIT) {
                    fail("the peer wrote " + written + " bytes without a read pending: the watcher keeps reading");
                }
                if (k == 0) {
                    idle++;
                    Thread.sleep(50);
                } else {
                    idle = 0;
                }
            }
            assertNoCompletion(w, Duration.ofMillis(100));

            long received = 1;
            while (received < written) {
                in.clear();
                w.read(received, p.server, in);
                OpResult r = awaitResult(w);
                assertSuccess(r);
                for (int i = 0; i < r.size(); i++) {
                    assertEquals(pattern(received + i), in.getByte(i), "byte " + (received + i));
                }
                received += r.size();
            }
            assertEquals(written, received);
            assertTrue(p.client.write(ByteBuffer.wrap(new byte[] {1})) >= 0, "the peer can go on writing");
        } finally {
            in.release();
        }
    }

    /** Fills {@code b} with the stream's pattern from stream offset {@code offset} on. */
    private static void fill(ByteBuffer b, long offset) {
        b.clear();
        for (int i = 0; i < b.capacity(); i++) {
            b.put(pattern(offset + i));
        }
        b.flip();
    }

    private static byte pattern(long offset) {
        return (byte) (offset * 31 + (offset >>> 8));
    }
}
