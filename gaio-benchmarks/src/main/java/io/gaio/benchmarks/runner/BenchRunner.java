package io.gaio.benchmarks.runner;

import io.gaio.benchmarks.server.BenchTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark runner: compiles the C programs, then starts every echo server in turn, alternating them
 * (A B C … A B C …) for each repetition, with the server on CPU 0 and the C load generator on CPU 1, and writes
 * {@code results.md} (medians and ratios to Netty epoll), {@code results.svg} (the burst chart) and
 * {@code results.csv} (every sample) to the output directory. Run it through {@code gaio-benchmarks/bench.sh}, which
 * builds the jar first; options are in {@link RunnerOptions}.
 */
public final class BenchRunner {
    private BenchRunner() {
    }

    /**
     * Entry point.
     *
     * @param args see {@link RunnerOptions}
     * @throws Exception when the C programs do not build or the results cannot be written
     */
    public static void main(String[] args) throws Exception {
        RunnerOptions options;
        try {
            options = RunnerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Plan plan = options.plan();
        Path out = options.out().toAbsolutePath();
        Path logs = out.resolve("logs");
        Files.createDirectories(logs);
        System.out.println("load average: " + Environment.loadAverage() + (options.force() ? "; not waiting for "
                + "other processes (--force)" : "; every load waits until other processes leave the CPUs alone"));

        Path loadgenBinary = LoadGen.build(out);
        // Made once per output directory, never in the source tree; delete it for a fresh key.
        Path keyStore = plan.tls() ? BenchTls.keyStore(out.resolve("tls").resolve("bench-key.p12")) : null;
        Launcher launcher = new Launcher(System.getProperty("java.class.path"),
                Path.of(System.getProperty("java.home"), "bin", "java"), options.jdk21(),
                NativeBuild.compile("echo_server", out), keyStore);
        List<ServerKind> servers = new ArrayList<>();
        for (ServerKind s : options.servers()) {
            String why = launcher.unavailability(s);
            if (why == null) {
                servers.add(s);
            } else {
                System.out.println("skipping " + s.id + ": " + why);
            }
        }

        String loadBefore = Environment.loadAverage();
        LoadGen loadgen = new LoadGen(loadgenBinary, LoadGen.CLIENT_CPU, options.quick() ? 60 : 300,
                logs.resolve("loadgen.log"));
        Session session = new Session(launcher, loadgen, new Endpoints(), logs, plan,
                new QuietGuard(System.out, !options.force()), System.out);
        Results results = run(plan, servers, session);
        List<String> header = header(args, plan, launcher, servers, loadBefore, Environment.loadAverage());

        String name = plan.resultsName();
        results.writeCsv(out.resolve(name + ".csv"));
        if (!plan.bursts().isEmpty()) {
            Files.writeString(out.resolve(name + ".svg"), BurstChart.render(plan.bursts(), servers, results,
                    plan.repetitions()), StandardCharsets.UTF_8);
        }
        String report = MarkdownReport.render(plan, servers, results, header);
        Files.writeString(out.resolve(name + ".md"), report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(report);
        System.out.println("written: " + out.resolve(name + ".md") + (plan.bursts().isEmpty() ? "" : ", " + name
                + ".svg") + ", " + name + ".csv; logs in " + logs);
    }

    private static Results run(Plan plan, List<ServerKind> servers, Session session) throws InterruptedException {
        Results results = new Results();
        for (int rep = 1; rep <= plan.repetitions(); rep++) {
            for (ServerKind server : servers) {
                System.out.printf("[run %d/%d] %s%n", rep, plan.repetitions(), server.id);
                runSession(session, server, rep, plan.warmup(), plan.busy(), results);
                runIdle(session, server, rep, plan, results);
            }
        }
        return results;
    }

    /** Each idle view in a session of its own; the C server has no JVM to set up, so its one run counts for each. */
    private static void runIdle(Session session, ServerKind server, int rep, Plan plan, Results results)
            throws InterruptedException {
        List<Load> views = plan.idle();
        if (views.isEmpty()) {
            return;
        }
        List<Sample> first = runSession(session, server, rep, plan.idleWarmup(), views.subList(0, 1), results);
        for (Load view : views.subList(1, views.size())) {
            if (server.isJava()) {
                runSession(session, server, rep, plan.idleWarmup(), List.of(view), results);
            } else {
                first.forEach(s -> results.add(new Sample(server, view, rep, s.metrics(), s.failure())));
            }
        }
    }

    /** Runs one session and adds its samples, or a failed one per load; returns what it added. */
    private static List<Sample> runSession(Session session, ServerKind server, int rep, List<Load> warmup,
                                           List<Load> loads, Results results) throws InterruptedException {
        List<Sample> samples;
        try {
            samples = session.run(server, rep, warmup, loads);
        } catch (IOException e) {
            System.out.println("    FAILED: " + e.getMessage());
            samples = loads.stream().map(l -> new Sample(server, l, rep, Map.of(), e.getMessage())).toList();
        }
        samples.forEach(results::add);
        return samples;
    }

    private static List<String> header(String[] args, Plan plan, Launcher launcher, List<ServerKind> servers,
                                       String loadBefore, String loadAfter) throws InterruptedException {
        String command = System.getenv().getOrDefault("BENCH_COMMAND",
                "java -cp gaio-benchmarks.jar " + BenchRunner.class.getName() + " " + String.join(" ", args)).trim();
        List<String> h = new ArrayList<>();
        h.add("Command: `" + command + "` (" + plan.name() + " plan, " + plan.repetitions() + " repetition"
                + (plan.repetitions() == 1 ? "" : "s") + ", servers alternating in the order below)");
        h.add("");
        h.add("Machine: " + Environment.describe() + ". Loopback only; each server pinned to CPU "
                + ServerProcess.SERVER_CPU + ", the C load generator (one thread, epoll) to CPU " + LoadGen.CLIENT_CPU
                + " (taskset). Load average before: " + loadBefore + "; after: " + loadAfter + ".");
        h.add("");
        if (plan.tls()) {
            h.add("TLS: every server with the JDK provider, " + BenchTls.PROTOCOL + " only, " + BenchTls.CIPHER_SUITE
                    + " only, one self-signed EC P-256 certificate made by keytool for this run (Netty: SslHandler; "
                    + "gaio: gaio-tls's TlsLayer). The load generator: " + Environment.openSslVersion()
                    + ", non-blocking, offering only that suite and the X25519 group, no session resumption, no "
                    + "certificate check; it closes each connection with a reset, without close_notify.");
            h.add("");
        }
        List<String> jvms = new ArrayList<>();
        Map<String, String> choices = new LinkedHashMap<>();
        for (ServerKind s : servers) {
            if (s.isJava()) {
                String jdk = launcher.javaOf(s).getParent().getParent().getFileName().toString();
                jvms.add(s.id + ": " + jdk);
                if (!choices.containsKey(jdk)) {
                    choices.put(jdk, jdk + ": " + launcher.defaultChoices(s));
                }
            }
        }
        Launcher.Jvm busy = plan.busyJvm();
        h.add("JVMs: " + String.join(", ", jvms) + ". Every busy load runs on a " + busy.title + ". Flags, "
                + Launcher.Jvm.PRE_TOUCHED.title + ": " + String.join(" ", Launcher.Jvm.PRE_TOUCHED.allFlags())
                + "; " + Launcher.Jvm.DEFAULT.title + ": " + String.join(" ", Launcher.Jvm.DEFAULT.allFlags())
                + ", the rest as the JVM chose it, pinned to one CPU (" + String.join("; ", choices.values()) + ").");
        return h;
    }
}
