package io.gaio.conformance;

import io.gaio.conformance.EchoServer.ReadMode;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Echo of tiny and huge payloads over one connection (rule 1, 4, 10 and 11; gaio's TestEchoTiny and
 * TestEchoHuge): reads into the caller's buffer, into the swap buffer, and a reproducible mix of both, while the
 * peer checks every byte that comes back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EchoTest extends TransportTestBase {
    private static final int HUGE = 16 * 1024 * 1024;

    /** 1-byte messages, 64 round trips: each read completes with the one byte that arrived. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ReadMode.class, names = {"CALLER_BUFFER", "SWAP_BUFFER", "RANDOM"})
    void tinyPayload(ReadMode mode) throws Exception {
        runEcho(newWatcher(), mode, 64 * 1024, 1, 64, 1, 11, Duration.ofSeconds(30));
    }

    /**
     * 16 MiB in one message, sent and echoed at the same time: reads are partial, writes of the echo meet a peer
     * that is still sending, so both directions block and resume many times.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ReadMode.class, names = {"CALLER_BUFFER", "SWAP_BUFFER", "RANDOM"})
    void hugePayload(ReadMode mode) throws Exception {
        runEcho(newWatcher(), mode, 64 * 1024, 1, 1, HUGE, 12, Duration.ofSeconds(60));
    }

    /** 32 MiB through a caller buffer of 1000 bytes: tens of thousands of reads, none beyond the space offered. */
    @Test
    void hugePayloadSmallReads() throws Exception {
        runEcho(newWatcher(), ReadMode.CALLER_BUFFER, 1000, 1, 1, 2 * HUGE, 13, Duration.ofSeconds(90));
    }
}
