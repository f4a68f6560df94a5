package io.gaio.benchmarks.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * The results as Markdown: one main table of medians with ratios to the baseline, then the details behind it
 * (latency, the burst series, memory, CPU use, the kernel's work, every run, failures).
 */
final class MarkdownReport {
    private final Plan plan;
    private final List<ServerKind> servers;
    private final Results results;
    private final StringBuilder md = new StringBuilder();

    private MarkdownReport(Plan plan, List<ServerKind> servers, Results results) {
        this.plan = plan;
        this.servers = servers;
        this.results = results;
    }

    /**
     * @param header lines describing the run (command, machine, JVMs), printed before the tables
     */
    static String render(Plan plan, List<ServerKind> servers, Results results, List<String> header) {
        MarkdownReport r = new MarkdownReport(plan, servers, results);
        header.forEach(h -> r.md.append(h).append('\n'));
        r.mainTable();
        r.latency();
        r.bursts();
        r.idle();
        r.cpu();
        r.kernel();
        r.everyRun();
        r.failures();
        return r.md.toString();
    }

    private void mainTable() {
        List<Load> loads = plan.measured().stream().filter(Load::inTable).toList();
        section(String.format("Medians of %d run%s per server; in parentheses the ratio to %s's median", plan.repetitions(),
                plan.repetitions() == 1 ? "" : "s", ServerKind.BASELINE.id));
        List<String> head = new ArrayList<>(List.of("server"));
        loads.forEach(l -> head.add(l.title() + ", " + l.kind().unit + (l.kind().higherIsBetter ? " ↑" : " ↓")));
        row(head);
        row(alignment(loads.size()));
        for (ServerKind s : servers) {
            List<String> cells = new ArrayList<>(List.of(s.id));
            for (Load l : loads) {
                cells.add(cell(s, l, l.kind().metric, l.kind() == Load.Kind.BURST ? "%,.1f" : "%,.0f"));
            }
            row(cells);
        }
        md.append("\n↑ higher is better, ↓ lower is better. A ratio is this server's median divided by ")
                .append(ServerKind.BASELINE.id).append("'s, for every column.\n\nServers:\n\n");
        servers.forEach(s -> md.append("- `").append(s.id).append("`: ").append(s.description).append('\n'));
    }

    private void latency() {
        latency(Load.Kind.PINGPONG, "Pingpong round-trip latency");
        latency(Load.Kind.HANDSHAKE, "Handshake latency, from the connect to the end of the client's handshake");
    }

    private void latency(Load.Kind kind, String what) {
        List<Load> loads = ofKind(kind);
        if (loads.isEmpty()) {
            return;
        }
        section(what + ", ms: p50 / p99 / p99.9 (medians)");
        table(loads, l -> l.conns() + " conns", (s, l) -> String.join(" / ",
                format(s, l, "p50_ms", "%.2f"), format(s, l, "p99_ms", "%.2f"), format(s, l, "p999_ms", "%.2f")));
    }

    private void bursts() {
        List<Load> loads = plan.bursts();
        if (loads.isEmpty()) {
            return;
        }
        section("Burst: ms from the first connect to the last echo (ratio to " + ServerKind.BASELINE.id
                + ") / CPU ms the server used meanwhile, by connections (medians; chart: results.svg)");
        table(loads, l -> String.format("%,d", l.conns()), (s, l) -> cell(s, l, "wall_ms", "%,.1f") + " / "
                + format(s, l, "server_cpu_ms", "%,.0f"));
        md.append("\nOn loopback the connecting side's CPU runs most of the kernel's work of a connection (both ends of "
                + "the handshake, the server's receive path), so a burst is bound by the load generator's core when "
                + "its CPU use (table below) nears 100%; the server's CPU time then compares the servers better.\n");
        section("Burst: server CPU per connection, µs ↓ (medians; in parentheses the ratio to " + ServerKind.BASELINE.id
                + "'s), by connections");
        table(loads, l -> String.format("%,d", l.conns()), (s, l) -> cell(s, l, "server_cpu_us_per_conn", "%,.1f"));
        double tickMicros = ProcFs.NANOS_PER_TICK / 1e3;
        int most = loads.get(loads.size() - 1).conns();
        md.append(String.format(Locale.ROOT, "%nThe server process's user and system CPU time (/proc) from the first "
                + "connect to the last echo, divided by the connections. /proc counts in %.0f ms ticks: ±%.1f µs per "
                + "connection at %,d.%n", tickMicros / 1e3, tickMicros / most, most));
    }

    /** One table per JVM setup, in the plan's order: the default JVM first, the figure a user sees. */
    private void idle() {
        for (Load l : plan.idle()) {
            boolean preTouched = l.jvm().heapPreTouched;
            section(String.format("Idle, %s: memory per connection, bytes ↓, slope between %,d and %,d idle "
                    + "connections (medians; in parentheses the ratio to %s's)", l.jvm().title, l.conns(), l.conns2(),
                    ServerKind.BASELINE.id));
            row(List.of("server", "RSS", "live heap", preTouched ? "total = RSS + live heap" : "total = RSS (heap "
                    + "included)", "direct buffers (part of RSS)"));
            row(alignment(4));
            for (ServerKind s : servers) {
                row(List.of(s.id, cell(s, l, "rss_per_conn", "%,.0f"), cell(s, l, "heap_per_conn", "%,.0f"),
                        cell(s, l, "total_per_conn", "%,.0f"), format(s, l, "direct_per_conn", "%,.0f")));
            }
            md.append(String.format("%nAt each step the server idles for %.1f s; a Java server then runs three full "
                    + "GCs (System.gc()), which give the live heap, and trims its native heap "
                    + "(System.trim_native_heap) before RSS is read. ", plan.settleMillis() / 1000.0));
            md.append(preTouched ? "Java heaps are fixed and pre-touched (-Xms = -Xmx, -XX:+AlwaysPreTouch), so RSS "
                    + "measures native memory and the live heap is added to it for the total.\n"
                    : "Java servers start with no heap or GC flags: the JVM sizes the heap and picks the collector "
                    + "(header), so RSS holds the heap pages the JVM touched, live or not, and those the GCs gave "
                    + "back are gone from it. The total is RSS alone: adding the live heap would count it twice. An "
                    + "RSS below the live heap means the heap had touched room to spare at the first step.\n");
        }
        if (servers.stream().anyMatch(s -> !s.isJava())) {
            md.append("\nThe C server has no JVM: its one idle run counts for both views.\n");
        }
    }

    private void cpu() {
        List<Load> loads = plan.busy();
        section("CPU use, % of one core (medians): load generator during its measured phase / server over the run "
                + "/ other processes over the run");
        table(loads, Load::title, (s, l) -> format(s, l, "loadgen_cpu_pct", "%.0f") + " / "
                + format(s, l, "server_cpu_pct", "%.0f") + " / " + format(s, l, "foreign_cpu_pct", "%.0f"));
        md.append(String.format("%nA run during which other processes took more than %.0f%% of a core was run again "
                + "(up to three times). Process CPU excludes interrupt time, which loopback traffic is partly "
                + "accounted to.%n", QuietGuard.MAX_FOREIGN_CPU_PCT));
    }

    /** The {@link KernelCounters}: where a server's CPU time goes in the kernel, and whether loopback lost packets. */
    private void kernel() {
        List<Load> loads = plan.busy();
        Function<Load, String> perOp = l -> l.title() + ", per " + l.kind().perOp;
        section("Server system calls per round trip ↓ (medians; in parentheses the ratio to " + ServerKind.BASELINE.id
                + "'s): per message echoed (pingpong), per connection (burst), per MB echoed (stream), per "
                + "handshake (handshake)");
        table(loads, perOp, (s, l) -> measuredCell(s, l, "syscalls_per_op", "%,.2f"));
        section("Server context switches per round trip ↓ (medians; in parentheses the ratio to "
                + ServerKind.BASELINE.id + "'s), all threads");
        table(loads, perOp, (s, l) -> measuredCell(s, l, "ctxsw_per_op", "%,.2f"));
        section("Loopback backlog drops / TCP segments retransmitted, machine-wide (medians)");
        table(loads, Load::title, (s, l) -> format(s, l, "softnet_drops", "%,.0f") + " / "
                + format(s, l, "retrans_segs", "%,.0f"));
        md.append("\nCounted from the load generator's mark before the work to its mark after it, while the server "
                + "idles at both: the measured phase (pingpong: the round trips, the connections already open; "
                + "stream: the warm-up too; burst: from the first connect to the last echo), never the closing. "
                + "System calls: `perf stat -e " + PerfStat.EVENT + "` on every thread of the server process; n/a "
                + "where perf is missing or failed (the runner says why; logs/perf.log). Context switches: voluntary "
                + "plus involuntary, summed over /proc/PID/task/*/status (a thread that ended meanwhile is left out). "
                + "Drops: the second column of /proc/net/softnet_stat, packets the input backlog "
                + "(net.core.netdev_max_backlog), which loopback traffic passes, had no room for; retransmissions: "
                + "RetransSegs in /proc/net/snmp. Both count the whole machine, other processes' traffic included.\n");
    }

    private void everyRun() {
        section("Every run, in order (the main table's metric)");
        List<String> head = new ArrayList<>(List.of("load", "server"));
        for (int i = 1; i <= plan.repetitions(); i++) {
            head.add("run " + i);
        }
        row(head);
        row(alignment(2, plan.repetitions()));
        for (Load l : plan.measured().stream().filter(Load::inTable).toList()) {
            for (ServerKind s : servers) {
                List<String> cells = new ArrayList<>(List.of(l.title(), s.id));
                for (Sample sample : results.all()) {
                    if (sample.server() == s && sample.load().equals(l)) {
                        Double v = sample.metrics().get(l.kind().metric);
                        cells.add(!sample.ok() ? "failed" : String.format(Locale.ROOT, "%,.1f", v));
                    }
                }
                row(cells);
            }
        }
    }

    private void failures() {
        List<Sample> failed = results.all().stream().filter(s -> !s.ok()).toList();
        if (failed.isEmpty()) {
            return;
        }
        section("Failed runs (left out of the medians)");
        failed.forEach(s -> md.append(String.format("- %s, %s, run %d: %s%n", s.server().id, s.load().title(),
                s.repetition(), s.failure())));
    }

    // ---- helpers ----

    private interface CellFormat {
        String apply(ServerKind server, Load load);
    }

    private void table(List<Load> loads, Function<Load, String> title, CellFormat cell) {
        List<String> head = new ArrayList<>(List.of("server"));
        loads.forEach(l -> head.add(title.apply(l)));
        row(head);
        row(alignment(loads.size()));
        for (ServerKind s : servers) {
            List<String> cells = new ArrayList<>(List.of(s.id));
            loads.forEach(l -> cells.add(cell.apply(s, l)));
            row(cells);
        }
    }

    private List<Load> ofKind(Load.Kind kind) {
        return plan.busy().stream().filter(l -> l.kind() == kind).toList();
    }

    /** The median with the ratio to the baseline; why there is none, when there is none. */
    private String cell(ServerKind s, Load l, String metric, String pattern) {
        String value = format(s, l, metric, pattern);
        OptionalDouble ratio = results.ratio(s, l, metric);
        return ratio.isPresent() ? value + String.format(Locale.ROOT, " (%.2f×)", ratio.getAsDouble())
                : value;
    }

    /** {@link #cell}, or n/a where nothing was measured though the runs succeeded (no perf, for system calls). */
    private String measuredCell(ServerKind s, Load l, String metric, String pattern) {
        return results.median(s, l, metric).isEmpty() && results.failures(s, l).isEmpty() ? "n/a"
                : cell(s, l, metric, pattern);
    }

    private String format(ServerKind s, Load l, String metric, String pattern) {
        OptionalDouble median = results.median(s, l, metric);
        if (median.isPresent()) {
            return String.format(Locale.ROOT, pattern, median.getAsDouble());
        }
        int failed = results.failures(s, l).size();
        return failed > 0 ? "failed ×" + failed : "–";
    }

    private void section(String title) {
        md.append("\n#### ").append(title).append("\n\n");
    }

    private void row(List<String> cells) {
        md.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    private static List<String> alignment(int numericColumns) {
        return alignment(1, numericColumns);
    }

    private static List<String> alignment(int textColumns, int numericColumns) {
        List<String> a = new ArrayList<>();
        for (int i = 0; i < textColumns; i++) {
            a.add("---");
        }
        for (int i = 0; i < numericColumns; i++) {
            a.add("---:");
        }
        return a;
    }
}
