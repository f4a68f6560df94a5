package io.gaio.benchmarks.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The statistics and the two renderings, on made-up samples. */
class ReportTest {
    private final Plan plan = Plan.quick();
    private final Load pingpong = plan.busy().get(0);
    private final Load burst = plan.bursts().get(0);

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
        assertTrue(md.contains("| gaio-epoll | 220 (2.00×) |"), md);
        assertTrue(md.contains("| netty-epoll | 110 (1.00×) |"), md);
    }

    @Test
    void chartIsSvgWithOneLinePerServer() {
        String svg = BurstChart.render(plan.bursts(), List.of(ServerKind.NETTY_EPOLL, ServerKind.GAIO_EPOLL),
                results(), 3);
        assertTrue(svg.startsWith("<svg"), svg);
        assertEquals(2, svg.split("<polyline").length - 1, svg);
        assertEquals(50.0, BurstChart.niceCeiling(42));
    }

    private Results results() {
        Results r = new Results();
        for (int rep = 1; rep <= 3; rep++) {
            r.add(new Sample(ServerKind.NETTY_EPOLL, pingpong, rep, Map.of("msgs_per_s", 90.0 + 10 * rep), null));
            r.add(new Sample(ServerKind.GAIO_EPOLL, pingpong, rep, Map.of("msgs_per_s", 180.0 + 20 * rep), null));
            r.add(new Sample(ServerKind.NETTY_EPOLL, burst, rep, Map.of("wall_ms", 40.0), null));
            r.add(new Sample(ServerKind.GAIO_EPOLL, burst, rep, Map.of("wall_ms", 20.0), null));
        }
        return r;
    }
}
