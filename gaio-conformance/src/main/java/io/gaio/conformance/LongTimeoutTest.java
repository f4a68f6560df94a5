package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Durations too long for {@code Duration.toNanos()} (beyond about 292 years), the common ways to say "no deadline",
 * act as no deadline on every request that takes a timeout and on {@code waitIO(Duration)}: nothing throws
 * {@code ArithmeticException}, nothing expires, and the requests complete when their bytes move.
 */
class LongTimeoutTest extends TransportTestBase {
    static Stream<Duration> forever() {
        return Stream.of(ChronoUnit.FOREVER.getDuration(), Duration.ofMillis(Long.MAX_VALUE), Duration.ofDays(365_000),
                Duration.ofNanos(Long.MAX_VALUE));
    }

    @ParameterizedTest
    @MethodSource("forever")
    void actsAsNoDeadline(Duration forever) throws Exception {
        ByteBuf readInto = directBuffer(16);
        ByteBuf fill = directBuffer(4);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.readTimeout("read", p.server, readInto, forever);
            w.readFull("full", p.server, fill, forever);
            assertEquals(List.of(), w.waitIO(Duration.ofMillis(200)), "nothing may expire");
            byte[] data = randomBytes(20, 7);
            sendAll(p.client, data);
            // 20 bytes for a 16-byte read and a 4-byte readFull: whatever the first takes, the second is filled.
            List<OpResult> reads = awaitResults(w, 2);
            OpResult read = reads.get(0);
            assertCompletes(read, Operation.READ, "read", p.server);
            assertSuccess(read);
            OpResult full = reads.get(1);
            assertCompletes(full, Operation.READ, "full", p.server);
            assertSuccess(full);
            assertEquals(4, full.size());

            byte[] out = randomBytes(32, 8);
            w.writeTimeout("write", p.server, bufferOf(out), forever);
            List<OpResult> written = w.waitIO(forever);
            assertEquals(1, written.size(), "waitIO(forever) returns the completed write: " + written);
            OpResult write = written.get(0);
            assertCompletes(write, Operation.WRITE, "write", p.server);
            assertSuccess(write);
            write.buffer().release();
            assertArrayEquals(out, readExactly(p.client, out.length, WAIT));
        } finally {
            releaseQuietly(readInto, fill);
        }
    }
}
