package io.gaio.benchmarks.runner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs loads against one fresh server process: warm-up loads first, then measured loads. Each load starts once the
 * machine is quiet, is run again if other processes took CPU meanwhile, and is followed by a wait until the server
 * has closed its connections and a pause. Also turns the load generator's fields, the server's /proc figures and
 * the {@link KernelCounters} of a busy load into a {@link Sample}'s metrics.
 */
final class Session {
    private static final long CLOSE_TIMEOUT_MILLIS = 30_000;
    private static final int ATTEMPTS = 3;
    private static final long RUNNER_PID = ProcessHandle.current().pid();

    private final Launcher launcher;
    private final LoadGen loadgen;
    private final Endpoints endpoints;
    private final Path logDir;
    private final long pauseMillis;
    private final long settleMillis;
    private final PrintStream progress;
    private final QuietGuard guard;
    /** The last reason perf gave for not counting, so that it is told once, not at every load. */
    private String perfFailure;

    Session(Launcher launcher, LoadGen loadgen, Endpoints endpoints, Path logDir, Plan plan, QuietGuard guard,
            PrintStream progress) {
        this.launcher = launcher;
        this.loadgen = loadgen;
        this.endpoints = endpoints;
        this.logDir = logDir;
        this.pauseMillis = plan.pauseMillis();
        this.settleMillis = plan.settleMillis();
        this.progress = progress;
        this.guard = guard;
    }

    /**
     * Starts the server, runs the warm-up loads, then each measured load once. The loads share one process, started
     * in the {@link Launcher.Jvm} setup of the measured loads (all the same).
     */
    List<Sample> run(ServerKind kind, int repetition, List<Load> warmup, List<Load> measured)
            throws IOException, InterruptedException {
        List<Sample> samples = new ArrayList<>();
        int port = endpoints.nextPort();
        Path log = logDir.resolve(kind.id + ".log");
        List<String> command = launcher.command(kind, port, measured.get(0).jvm());
        try (ServerProcess server = ServerProcess.start(kind, port, command, log)) {
            for (Load load : warmup) {
                Sample s = measure(server, load, repetition);
                progress.printf("    warm-up %-32s %s%n", load.title(), s.ok() ? "done" : "FAILED: " + s.failure());
            }
            for (Load load : measured) {
                Sample s = measure(server, load, repetition);
                samples.add(s);
                progress.printf("    %-40s %s%n", load.title(), describe(s));
            }
        }
        return samples;
    }

    /** Runs a load, again (up to {@value #ATTEMPTS} times in all) when other processes disturbed it. */
    private Sample measure(ServerProcess server, Load load, int repetition) throws IOException, InterruptedException {
        Sample sample = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (!server.isAlive()) {
                return new Sample(server.kind, load, repetition, Map.of(), "the server process died earlier");
            }
            guard.awaitQuiet(server);
            sample = measureOnce(server, load, repetition);
            double foreign = sample.metrics().getOrDefault("foreign_cpu_pct", 0.0);
            if (!sample.ok() || foreign <= QuietGuard.MAX_FOREIGN_CPU_PCT || load.kind() == Load.Kind.IDLE
                    || !guard.enabled()) {
                break;
            }
            progress.printf("    (other processes took %.0f%% of a core during %s: %s)%n", foreign, load.title(),
                    attempt < ATTEMPTS ? "running it again" : "keeping it; the CPU table shows the share");
        }
        return sample;
    }

    private Sample measureOnce(ServerProcess server, Load load, int repetition)
            throws IOException, InterruptedException {
        if (load.kind() == Load.Kind.IDLE) {
            return measureWith(server, load, repetition, null);
        }
        // Attached before the clocks start: perf's start-up is neither the server's work nor other processes'.
        try (KernelCounters kernel = KernelCounters.attach(server.pid(), logDir.resolve("perf.log"))) {
            return measureWith(server, load, repetition, kernel);
        }
    }

    private Sample measureWith(ServerProcess server, Load load, int repetition, KernelCounters kernel)
            throws IOException, InterruptedException {
        IdleMemory idle = load.kind() == Load.Kind.IDLE ? new IdleMemory(server, load.jvm(), settleMillis) : null;
        long busy0 = ProcFs.machineBusyNanos();
        long runner0 = ProcFs.cpuNanos(RUNNER_PID);
        long cpu0 = server.cpuNanos();
        long t0 = System.nanoTime();
        Map<String, String> result = loadgen.run(load, server.port, endpoints.nextSource(),
                idle == null ? null : idle::sample, kernel);
        long wall = System.nanoTime() - t0;
        Map<String, Double> metrics = new HashMap<>();
        String failure = failure(result, server);
        if (server.isAlive()) {
            long serverCpu = server.cpuNanos() - cpu0;
            long loadgenCpu = Long.parseLong(result.getOrDefault("cpu_total_ns", "0"));
            metrics.put("server_cpu_pct", 100.0 * serverCpu / wall);
            metrics.put("server_cpu_ms", serverCpu / 1e6);
            if (load.kind() == Load.Kind.BURST) {
                // The load generator's core bounds a burst's wall time on loopback; this compares the servers' code.
                metrics.put("server_cpu_us_per_conn", serverCpu / 1e3 / load.conns());
            }
            long runnerCpu = ProcFs.cpuNanos(RUNNER_PID) - runner0;
            metrics.put("foreign_cpu_pct", QuietGuard.foreignPct(ProcFs.machineBusyNanos() - busy0,
                    serverCpu + loadgenCpu + runnerCpu, wall));
            if (!server.awaitConnectionsClosed(CLOSE_TIMEOUT_MILLIS) && failure == null) {
                failure = "the server still held the load's connections " + CLOSE_TIMEOUT_MILLIS + " ms after it";
            }
        }
        if (failure == null) {
            addMetrics(load, result, metrics);
            if (idle != null) {
                idle.addSlopes(metrics);
            }
            if (kernel != null) {
                kernel.addMetrics(load, result, metrics);
                tellPerfFailure(kernel.perfFailure());
            }
        }
        Thread.sleep(pauseMillis);
        return new Sample(server.kind, load, repetition, metrics, failure);
    }

    private void tellPerfFailure(String why) {
        if (why != null && !why.equals(perfFailure)) {
            progress.printf("    (system calls not counted: %s)%n", why);
        }
        perfFailure = why;
    }

    private static String failure(Map<String, String> result, ServerProcess server) {
        if (!server.isAlive()) {
            return "the server process died (see its log)";
        }
        if (!"0".equals(result.get("exit")) || !"0".equals(result.get("errors"))) {
            return "load generator exit status " + result.get("exit") + ", " + result.getOrDefault("errors", "?")
                    + " connection errors (see loadgen.log)";
        }
        return null;
    }

    private static void addMetrics(Load load, Map<String, String> r, Map<String, Double> m) {
        m.put("loadgen_cpu_pct", Double.parseDouble(r.get("cpu_pct")));
        switch (load.kind()) {
            case PINGPONG:
                m.put("msgs_per_s", Double.parseDouble(r.get("msgs_per_s")));
                m.put("p50_ms", millis(r.get("p50_ns")));
                m.put("p99_ms", millis(r.get("p99_ns")));
                m.put("p999_ms", millis(r.get("p999_ns")));
                break;
            case BURST:
                m.put("wall_ms", millis(r.get("wall_ns")));
                m.put("p99_ms", millis(r.get("p99_ns")));
                break;
            case STREAM:
                m.put("mb_per_s", Double.parseDouble(r.get("mb_per_s")));
                break;
            case HANDSHAKE:
                m.put("handshakes_per_s", Double.parseDouble(r.get("handshakes_per_s")));
                m.put("p50_ms", millis(r.get("p50_ns")));
                m.put("p99_ms", millis(r.get("p99_ns")));
                m.put("p999_ms", millis(r.get("p999_ns")));
                break;
            default:
                m.remove("loadgen_cpu_pct"); // the idle load measures no phase
        }
    }

    private static double millis(String nanos) {
        return Long.parseLong(nanos) / 1e6;
    }

    private static String describe(Sample s) {
        if (!s.ok()) {
            return "FAILED: " + s.failure();
        }
        Map<String, Double> m = s.metrics();
        String cpu = String.format("(loadgen CPU %.0f%%, server CPU %.0f%%%s)", m.getOrDefault("loadgen_cpu_pct", 0.0),
                m.getOrDefault("server_cpu_pct", 0.0), m.containsKey("syscalls_per_op")
                        ? String.format(", %.2f syscalls/%s", m.get("syscalls_per_op"), s.load().kind().perOp) : "");
        switch (s.load().kind()) {
            case PINGPONG:
                return String.format("%,10.0f msgs/s  p99 %7.2f ms %s", m.get("msgs_per_s"), m.get("p99_ms"), cpu);
            case BURST:
                return String.format("%10.1f ms, %.1f µs server CPU/conn %s", m.get("wall_ms"),
                        m.get("server_cpu_us_per_conn"), cpu);
            case STREAM:
                return String.format("%10.1f MB/s %s", m.get("mb_per_s"), cpu);
            case HANDSHAKE:
                return String.format("%,10.0f handshakes/s  p99 %7.2f ms %s", m.get("handshakes_per_s"),
                        m.get("p99_ms"), cpu);
            default:
                return String.format("%,10.0f B/conn (RSS %,.0f, live heap %,.0f, direct %,.0f)",
                        m.get("total_per_conn"), m.get("rss_per_conn"), m.get("heap_per_conn"),
                        m.get("direct_per_conn"));
        }
    }

    /** The server's memory at each step of the idle load, and the slopes between the two steps. */
    static final class IdleMemory {
        private final ServerProcess server;
        private final Launcher.Jvm jvm;
        private final long settleMillis;
        private final List<long[]> points = new ArrayList<>();

        IdleMemory(ServerProcess server, Launcher.Jvm jvm, long settleMillis) {
            this.server = server;
            this.jvm = jvm;
            this.settleMillis = settleMillis;
        }

        /** {connections, rss, heap, direct}; heap and direct are 0 for the C server. */
        void sample(int connections) throws IOException, InterruptedException {
            Thread.sleep(settleMillis);
            // A Java server collects garbage and trims its native heap before it answers.
            long[] java = server.kind.isJava() ? server.javaMemory() : new long[2];
            points.add(new long[] {connections, server.rssBytes(), java[0], java[1]});
        }

        void addSlopes(Map<String, Double> m) {
            if (points.size() >= 2) {
                slopes(jvm, points.get(0), points.get(points.size() - 1), m);
            }
        }

        /** The memory figures of two {@link #sample} points {@code a} and {@code b}, per connection between them. */
        static void slopes(Launcher.Jvm jvm, long[] a, long[] b, Map<String, Double> m) {
            m.put("rss_first", (double) a[1]);
            m.put("heap_first", (double) a[2]);
            m.put("rss_last", (double) b[1]);
            m.put("heap_last", (double) b[2]);
            double n = b[0] - a[0];
            m.put("rss_per_conn", (b[1] - a[1]) / n);
            m.put("heap_per_conn", (b[2] - a[2]) / n);
            m.put("direct_per_conn", (b[3] - a[3]) / n);
            // A pre-touched heap is resident from the start, so RSS misses it: add the live heap back. Otherwise RSS
            // holds the heap pages the JVM touched, live or not; adding the live heap would count it twice.
            m.put("total_per_conn", (b[1] - a[1] + (jvm.heapPreTouched ? b[2] - a[2] : 0)) / n);
        }
    }
}
