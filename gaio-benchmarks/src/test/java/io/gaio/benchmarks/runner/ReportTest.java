package io.gaio.benchmarks.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The statistics and the two renderings, on made-up samples. */
class ReportTest {
    private final Plan plan = Plan.quick();
    private final Load pingpong = plan.busy().get(0);
    private final Load burst = plan.bursts().get(0);
    private final Load idleDefault = plan.idle().get(0);
    private final Load idlePreTouched = plan.idle().get(1);

    @Test
    void medianAndRatioToTheBaseline() {
        Results r = results();
        assertEquals(220.0, r.median(ServerKind.GAIO_EPOLL, pingpong, "msgs_per_s").getAsDouble());
        assertEquals(2.0, r.ratio(ServerKind.GAIO_EPOLL, pingpong, "msgs_per_s").getAsDouble());
        assertEquals(2.5, Results.median(List.of(4.0, 1.0, 3.0, 2.0)).getAsDouble());
    }

    @Test
    void failedRunsAreLeftOutAndListed() {
        Results r = results();
        r.add(new Sample(ServerKind.GAIO_EPOLL, pingpong, 4, Map.of(), "load generator exit status 3"));
        assertEquals(220.0, r.median(ServerKind.GAIO_EPOLL, pingpong, "msgs_per_s").getAsDouble());
        String md = MarkdownReport.render(plan, List.of(ServerKind.NETTY_EPOLL, ServerKind.GAIO_EPOLL), r, List.of());
        assertTrue(md.contains("exit status 3"), md);
    }

    @Test
    void markdownHasMediansAndRatios() {
        String md = MarkdownReport.render(plan, List.of(ServerKind.NETTY_EPOLL, ServerKind.GAIO_EPOLL), results(),
                List.of("Command: `bench.sh --quick`"));
        assertTrue(md.startsWith("Command: `bench.sh --quick`"), md);
        assertContains(md, "| gaio-epoll | 220 (2.00×) |", "| netty-epoll | 110 (1.00×) |");
    }

    @Test
    void burstCpuPerConnectionHasItsTable() {
        String md = render();
        assertContains(md.substring(md.indexOf("#### Burst: server CPU per connection")),
                "| gaio-epoll | 15.0 (0.50×) |", "| netty-epoll | 30.0 (1.00×) |", "±9.8 µs per connection at 1,024.");
    }

    @Test
    void idleViewsDefaultJvmFirstEachWithRatios() {
        String md = render();
        int defaultJvm = md.indexOf("#### Idle, default JVM");
        int preTouched = md.indexOf("#### Idle, pre-touched heap");
        assertTrue(defaultJvm > 0 && preTouched > defaultJvm, md);
        assertContains(md.substring(defaultJvm, preTouched), "total = RSS (heap included)",
                "| gaio-epoll | 300 (0.50×) | 400 (0.80×) | 300 (0.50×) | 0 |");
        // Netty's RSS slope is negative here: no ratio to it.
        assertContains(md.substring(preTouched), "total = RSS + live heap",
                "| gaio-epoll | 10 | 400 (0.80×) | 410 (0.91×) | 0 |");
        assertContains(md, "idle 100 → 1,000 conns, default JVM, B/conn ↓ |");
    }

    @Test
    void noRatioWithANegativeMedian() {
        Results r = results();
        assertEquals(0.5, r.ratio(ServerKind.GAIO_EPOLL, idleDefault, "rss_per_conn").getAsDouble());
        assertFalse(r.ratio(ServerKind.GAIO_EPOLL, idlePreTouched, "rss_per_conn").isPresent());
        for (int rep = 4; rep <= 7; rep++) {
            r.add(idle(ServerKind.GAIO_EPOLL, idleDefault, rep, -20, 400, -20));
        }
        assertFalse(r.ratio(ServerKind.GAIO_EPOLL, idleDefault, "rss_per_conn").isPresent());
    }

    @Test
    void kernelTablesHaveMediansRatiosAndNa() {
        String md = render();
        int syscalls = md.indexOf("#### Server system calls per round trip");
        int switches = md.indexOf("#### Server context switches per round trip");
        int drops = md.indexOf("#### Loopback backlog drops / TCP segments retransmitted");
        assertTrue(syscalls > 0 && switches > syscalls && drops > switches, md);
        // Medians 3.0 and 4.5; the burst samples have none, as without perf: n/a, not 0, and no "–".
        assertContains(md.substring(syscalls, switches), "| server | pingpong 64 B × 10 conns, per msg |",
                "burst 256 × 1 KiB, per conn |", "stream 64 KiB chunks, 1 conn, per MB |",
                "| netty-epoll | 3.00 (1.00×) | n/a |", "| gaio-epoll | 4.50 (1.50×) | n/a |");
        assertContains(md.substring(switches, drops), "| netty-epoll | 0.50 (1.00×) |",
                "| gaio-epoll | 1.00 (2.00×) |");
        // Counts of the whole machine: medians without ratios.
        assertContains(md.substring(drops), "| netty-epoll | 0 / 2 | – / – |", "| gaio-epoll | 0 / 0 |",
                "Both count the whole machine", "n/a where perf is missing or failed");
    }

    @Test
    void csvHasTheKernelFigures(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("results.csv");
        results().writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertContains(String.join("\n", lines), "gaio-epoll,pingpong-10,2,softnet_drops,3.0,",
                "netty-epoll,pingpong-10,3,syscalls_per_op,3.5,", "gaio-epoll,pingpong-10,1,ctxsw_per_op,0.5,",
                "netty-epoll,pingpong-10,1,retrans_segs,1.0,");
    }

    @Test
    void chartIsSvgWithOneLinePerServer() {
        String svg = BurstChart.render(plan.bursts(), List.of(ServerKind.NETTY_EPOLL, ServerKind.GAIO_EPOLL),
                results(), 3);
        assertTrue(svg.startsWith("<svg"), svg);
        assertEquals(2, svg.split("<polyline").length - 1, svg);
        assertEquals(50.0, BurstChart.niceCeiling(42));
    }

    private static void assertContains(String text, String... parts) {
        for (String part : parts) {
            assertTrue(text.contains(part), () -> "no '" + part + "' in\n" + text);
        }
    }

    private String render() {
        return MarkdownReport.render(plan, List.of(ServerKind.NETTY_EPOLL, ServerKind.GAIO_EPOLL), results(),
                List.of());
    }

    private Results results() {
        Results r = new Results();
        for (int rep = 1; rep <= 3; rep++) {
            r.add(new Sample(ServerKind.NETTY_EPOLL, pingpong, rep, Map.of("msgs_per_s", 90.0 + 10 * rep,
                    "syscalls_per_op", 2.0 + rep / 2.0, "ctxsw_per_op", 0.5, "softnet_drops", 0.0,
                    "retrans_segs", (double) rep), null));
            r.add(new Sample(ServerKind.GAIO_EPOLL, pingpong, rep, Map.of("msgs_per_s", 180.0 + 20 * rep,
                    "syscalls_per_op", 4.5, "ctxsw_per_op", 0.5 * rep, "softnet_drops", rep == 2 ? 3.0 : 0.0,
                    "retrans_segs", 0.0), null));
            r.add(new Sample(ServerKind.NETTY_EPOLL, burst, rep, Map.of("wall_ms", 40.0,
                    "server_cpu_us_per_conn", 30.0), null));
            r.add(new Sample(ServerKind.GAIO_EPOLL, burst, rep, Map.of("wall_ms", 20.0,
                    "server_cpu_us_per_conn", 15.0), null));
            r.add(idle(ServerKind.NETTY_EPOLL, idleDefault, rep, 600, 500, 600));
            r.add(idle(ServerKind.GAIO_EPOLL, idleDefault, rep, 300, 400, 300));
            r.add(idle(ServerKind.NETTY_EPOLL, idlePreTouched, rep, -50, 500, 450));
            r.add(idle(ServerKind.GAIO_EPOLL, idlePreTouched, rep, 10, 400, 410));
        }
        return r;
    }

    private static Sample idle(ServerKind server, Load load, int rep, double rss, double heap, double total) {
        return new Sample(server, load, rep, Map.of("rss_per_conn", rss, "heap_per_conn", heap, "total_per_conn",
                total, "direct_per_conn", 0.0), null);
    }
}
