package io.gaio.benchmarks.runner;

import java.util.List;

/**
 * What the runner runs against every server, in order: warm-up loads (not reported) and measured loads. The
 * measured loads of one session share one server process; each idle load gets a fresh process, since a server that
 * just served 10,000 busy connections has memory to spare that idle connections would reuse. There are two idle
 * loads, the same load with the Java server started in each {@link Launcher.Jvm} setup.
 *
 * @param name         "full", "quick", "tls" or "tls-quick", with ", default JVM" after it for
 *                     {@link #onDefaultJvm}
 * @param repetitions  how many times each server runs the plan (alternating servers)
 * @param warmup       loads run first in each busy session, to compile the hot paths
 * @param busy         measured loads, one server process
 * @param idleWarmup   loads run first in each idle session
 * @param idle         the idle loads, each its own server process: with a default JVM first, the figure a user
 *                     sees, then with the heap pre-touched
 * @param pauseMillis  pause after every load
 * @param settleMillis wait at each idle step before sampling memory; over 5 s lets the JVM free the JIT's arena
 *                     chunks (its chunk pool is cleaned every 5 s), which would otherwise count as per-connection
 */
record Plan(String name, int repetitions, List<Load> warmup, List<Load> busy, List<Load> idleWarmup, List<Load> idle,
            long pauseMillis, long settleMillis) {

    /** The full benchmark: about 45 minutes for the nine default servers on two cores. */
    static Plan full(int repetitions) {
        return new Plan("full", repetitions,
                List.of(Load.pingpong(100, 64, 3000), Load.burst(2048, 1024, false), Load.stream(1, 65536, 0.5, 1)),
                List.of(Load.pingpong(100, 64, 5000), Load.pingpong(1000, 64, 500), Load.pingpong(10_000, 64, 50),
                        Load.burst(1024, 1024, false), Load.burst(2048, 1024, false), Load.burst(4096, 1024, false),
                        Load.burst(8192, 1024, true), Load.stream(1, 65536, 1, 5)),
                // Accepting and the first echo get compiled before the idle connections come.
                List.of(Load.pingpong(100, 64, 1000), Load.burst(2048, 64, false)),
                idleViews(1000, 10_000),
                1000, 6000);
    }

    /**
     * The TLS echo (issue 15), gaio's TLS layer against Netty's SslHandler: full handshakes with 1,000 new connections
     * at a time, pingpong at 1,000 connections, a 64 KiB stream on a few connections. No idle loads. About 1 minute
     * per server and repetition.
     */
    static Plan tls(int repetitions) {
        return new Plan("tls", repetitions,
                tls(Load.handshake(100, 64, 20), Load.pingpong(100, 64, 1000), Load.stream(4, 65536, 0.5, 1)),
                tls(Load.handshake(1000, 64, 10), Load.pingpong(1000, 64, 200), Load.stream(4, 65536, 1, 5)),
                List.of(), List.of(), 1000, 0);
    }

    /** A tiny TLS plan, for smoke-testing the runner. */
    static Plan tlsQuick() {
        return new Plan("tls-quick", 1,
                tls(Load.handshake(10, 64, 5)),
                tls(Load.handshake(100, 64, 2), Load.pingpong(100, 64, 20), Load.stream(2, 65536, 0.2, 0.5)),
                List.of(), List.of(), 100, 0);
    }

    private static List<Load> tls(Load... loads) {
        return java.util.Arrays.stream(loads).map(Load::overTls).toList();
    }

    /**
     * This plan with its warm-up and busy loads on a JVM as a user starts it (no heap or collector flags), the figures
     * a user sees beside the tuned ones; the idle loads already measure both setups and stay as they are.
     */
    Plan onDefaultJvm() {
        return new Plan(name + ", default JVM", repetitions, on(warmup, Launcher.Jvm.DEFAULT),
                on(busy, Launcher.Jvm.DEFAULT), idleWarmup, idle, pauseMillis, settleMillis);
    }

    private static List<Load> on(List<Load> loads, Launcher.Jvm jvm) {
        return loads.stream().map(l -> l.on(jvm)).toList();
    }

    /** How a Java server's JVM is started for the busy loads. */
    Launcher.Jvm busyJvm() {
        return busy.get(0).jvm();
    }

    /** Whether the servers run over TLS: every load of a TLS plan is a TLS load. */
    boolean tls() {
        return busy.get(0).tls();
    }

    /**
     * The name of the result files, without extension: a TLS run does not overwrite the plain one, nor a default-JVM
     * run the tuned one.
     */
    String resultsName() {
        return (tls() ? "results-tls" : "results") + (busyJvm() == Launcher.Jvm.DEFAULT ? "-default-jvm" : "");
    }

    /** A tiny version of everything, for smoke-testing the runner: seconds per server. */
    static Plan quick() {
        return new Plan("quick", 1,
                List.of(Load.pingpong(10, 64, 100)),
                List.of(Load.pingpong(10, 64, 200), Load.pingpong(100, 64, 20), Load.pingpong(1000, 64, 2),
                        Load.burst(256, 1024, false), Load.burst(1024, 1024, true), Load.stream(1, 65536, 0.2, 0.5)),
                List.of(),
                idleViews(100, 1000),
                100, 500);
    }

    private static List<Load> idleViews(int from, int to) {
        return List.of(Load.idle(from, to, Launcher.Jvm.DEFAULT), Load.idle(from, to, Launcher.Jvm.PRE_TOUCHED));
    }

    /** The burst loads, for the chart. */
    List<Load> bursts() {
        return busy.stream().filter(l -> l.kind() == Load.Kind.BURST).toList();
    }

    /** Every measured load, in report order. */
    List<Load> measured() {
        List<Load> all = new java.util.ArrayList<>(busy);
        all.addAll(idle);
        return all;
    }
}
