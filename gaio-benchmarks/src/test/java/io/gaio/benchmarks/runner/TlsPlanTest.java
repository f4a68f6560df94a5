package io.gaio.benchmarks.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TLS echo's part of the runner: its option, plan, server commands, load generator arguments and report. */
class TlsPlanTest {
    private final Plan plan = Plan.tls(3);
    private final Load handshake = plan.busy().get(0);
    private final Load pingpong = plan.busy().get(1);
    private final Load stream = plan.busy().get(2);

    @Test
    void tlsOptionPicksTheTlsPlanAndServers() {
        RunnerOptions tls = RunnerOptions.parse(new String[] {"--tls", "--reps", "2"});
        assertTrue(tls.tls());
        assertEquals("tls", tls.plan().name());
        assertEquals(2, tls.plan().repetitions());
        assertEquals(ServerKind.TLS_DEFAULTS, tls.servers());
        assertEquals("tls-quick", RunnerOptions.parse(new String[] {"--quick", "--tls"}).plan().name());
        assertEquals(List.of(ServerKind.GAIO_EPOLL), RunnerOptions.parse(
                new String[] {"--tls", "--servers", "gaio-epoll"}).servers());
        RunnerOptions plain = RunnerOptions.parse(new String[0]);
        assertFalse(plain.tls());
        assertEquals("full", plain.plan().name());
        assertEquals(ServerKind.DEFAULTS, plain.servers());
        assertTrue(RunnerOptions.usage().contains("--tls"), RunnerOptions.usage());
    }

    @Test
    void tlsPlanHasTheIssuesLoadsAllOverTlsAndNoIdle() {
        assertTrue(plan.tls());
        assertTrue(plan.warmup().stream().allMatch(Load::tls), plan.warmup().toString());
        assertEquals(List.of("tls-handshake-1000", "tls-pingpong-1000", "tls-stream-4"),
                plan.busy().stream().map(Load::id).toList());
        assertEquals(10_000, handshake.conns() * handshake.rounds());
        assertEquals(64, pingpong.size());
        assertEquals(65536, stream.size());
        assertTrue(plan.idle().isEmpty());
        assertEquals("results-tls", plan.resultsName());
        assertEquals("results", Plan.full(1).resultsName());
        assertFalse(Plan.full(1).tls());
        assertTrue(Plan.tlsQuick().tls());
    }

    @Test
    void loadGeneratorSpeaksTlsOnlyOnTlsLoads() {
        assertEquals(List.of("-m", "handshake", "-s", "64", "-c", "1000", "-r", "10", "-t"), handshake.loadgenArgs());
        assertEquals(List.of("-m", "pingpong", "-s", "64", "-c", "1000", "-r", "200"),
                Load.pingpong(1000, 64, 200).loadgenArgs());
        assertEquals("TLS pingpong 64 B × 1,000 conns", pingpong.title());
        assertEquals("TLS handshakes, 1,000 new conns at a time (10,000 in all)", handshake.title());
    }

    @Test
    void tlsServersGetTheKeyStoreAndOthersAreSkipped() {
        Launcher launcher = new Launcher("bench.jar", Path.of("java"), null, Path.of("echo_server"),
                Path.of("key.p12"));
        List<String> cmd = launcher.command(ServerKind.NETTY_EPOLL, 9000, Launcher.Jvm.PRE_TOUCHED);
        assertEquals(List.of("--tls", "key.p12"), cmd.subList(cmd.size() - 2, cmd.size()));
        for (ServerKind kind : ServerKind.TLS_DEFAULTS) {
            assertNull(launcher.unavailability(kind), kind.id);
        }
        assertEquals("no TLS variant", launcher.unavailability(ServerKind.C_EPOLL));
        assertEquals("no TLS variant", launcher.unavailability(ServerKind.JDK_ASYNC));
        Launcher plain = new Launcher("bench.jar", Path.of("java"), null, Path.of("echo_server"), null);
        assertFalse(plain.command(ServerKind.NETTY_EPOLL, 9000, Launcher.Jvm.PRE_TOUCHED).contains("--tls"));
    }

    @Test
    void handshakesPerOpComeFromTheLoadGenerator() {
        assertEquals(10_000.0, KernelCounters.roundTrips(handshake, Map.of("handshakes", "10000")));
    }

    @Test
    void reportHasTheTlsColumnsRatiosAndHandshakeLatency() {
        String md = MarkdownReport.render(plan, List.of(ServerKind.NETTY_EPOLL, ServerKind.GAIO_EPOLL), results(),
                List.of());
        assertContains(md, "| server | TLS handshakes, 1,000 new conns at a time (10,000 in all), handshakes/s ↑ | "
                        + "TLS pingpong 64 B × 1,000 conns, msgs/s ↑ | TLS stream 64 KiB chunks, 4 conns, MB/s ↑ |",
                "| netty-epoll | 1,000 (1.00×) | 40,000 (1.00×) | 500 (1.00×) |",
                "| gaio-epoll | 1,100 (1.10×) | 36,000 (0.90×) | 600 (1.20×) |");
        int latency = md.indexOf("#### Handshake latency, from the connect to the end of the client's handshake");
        assertTrue(latency > 0, md);
        assertContains(md.substring(latency), "| netty-epoll | 80.00 / 300.00 / 400.00 |");
        assertFalse(md.contains("#### Burst"), md);
        assertFalse(md.contains("#### Idle"), md);
    }

    private Results results() {
        Results r = new Results();
        for (int rep = 1; rep <= 3; rep++) {
            r.add(new Sample(ServerKind.NETTY_EPOLL, handshake, rep, Map.of("handshakes_per_s", 1000.0,
                    "p50_ms", 80.0, "p99_ms", 300.0, "p999_ms", 400.0), null));
            r.add(new Sample(ServerKind.GAIO_EPOLL, handshake, rep, Map.of("handshakes_per_s", 1100.0,
                    "p50_ms", 70.0, "p99_ms", 200.0, "p999_ms", 300.0), null));
            r.add(new Sample(ServerKind.NETTY_EPOLL, pingpong, rep, Map.of("msgs_per_s", 40_000.0), null));
            r.add(new Sample(ServerKind.GAIO_EPOLL, pingpong, rep, Map.of("msgs_per_s", 36_000.0), null));
            r.add(new Sample(ServerKind.NETTY_EPOLL, stream, rep, Map.of("mb_per_s", 500.0), null));
            r.add(new Sample(ServerKind.GAIO_EPOLL, stream, rep, Map.of("mb_per_s", 600.0), null));
        }
        return r;
    }

    private static void assertContains(String text, String... parts) {
        for (String part : parts) {
            assertTrue(text.contains(part), () -> "no '" + part + "' in\n" + text);
        }
    }
}
