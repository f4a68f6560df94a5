package io.gaio.conformance;

import io.gaio.conformance.EchoServer.ReadMode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thousands of concurrent connections on one watcher (gaio's Test1k … Test8k and their tiny-message variants):
 * every client sends its messages and gets them back intact. With readiness handled edge by edge, a lost edge or a
 * read that is never retried leaves a client waiting and fails the test. 8,192 connections is the most that fits
 * in the 20,000 descriptors of the test JVM (each connection has two ends here); under a lower limit (macOS's JVM
 * raises its own to 10,240 only) a count that does not fit runs with as many connections as fit
 * ({@link #connectionsThatFit}).
 *
 * <p>Also several watchers at once, each serving its own share of the connections (rule 15).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManyClientsTest extends TransportTestBase {

    /** Each client echoes two 1 KiB messages through swap-buffer reads. */
    @ParameterizedTest(name = "{0} clients")
    @ValueSource(ints = {1024, 2048, 4096, 8192})
    void oneKilobyteMessages(int clients) throws Exception {
        int n = connectionsThatFit(clients, 2, clients + " clients with 1 KiB messages");
        runEcho(newWatcher(), ReadMode.SWAP_BUFFER, 1024, n, 2, 1024, 100 + clients, Duration.ofSeconds(90));
    }

    /** Each client echoes four 8-byte messages through reads into the server's own 8-byte buffers. */
    @ParameterizedTest(name = "{0} clients")
    @ValueSource(ints = {1024, 2048, 4096, 8192})
    void tinyMessages(int clients) throws Exception {
        int n = connectionsThatFit(clients, 2, clients + " clients with tiny messages");
        runEcho(newWatcher(), ReadMode.CALLER_BUFFER, 8, n, 4, 8, 200 + clients, Duration.ofSeconds(90));
    }

    /** Four watchers at once, connections spread over them; each sees only its own connections. */
    @Test
    void severalWatchersShareTheLoad() throws Exception {
        runEcho(List.of(newWatcher(), newWatcher(), newWatcher(), newWatcher()), ReadMode.RANDOM, 512, 1024, 2,
                1024, 300, Duration.ofSeconds(90));
    }
}
