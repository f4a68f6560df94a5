package io.gaio.benchmarks.runner;

import java.util.ArrayList;
import java.util.List;

/**
 * One load the runner puts on every server: a mode of the C load generator with its parameters, and the metric the
 * report compares.
 *
 * @param kind        the load generator's mode
 * @param conns       connections (idle: the first step; handshake: at a time)
 * @param conns2      idle only: the second step, the slope's other end; 0 otherwise
 * @param size        message size (stream: chunk size) in bytes
 * @param rounds      pingpong: round trips per connection; handshake: connections per slot, one after another
 * @param seconds     stream only: measured seconds (after {@code warmup} seconds)
 * @param warmup      stream only: warm-up seconds
 * @param inTable     whether the main table shows it (the burst series is also drawn as a chart)
 * @param jvm         how a Java server's JVM is started for it: the idle load is measured in both setups, every
 *                    other load with the heap pre-touched, or on a default JVM when the runner is asked to
 *                    ({@code --default-jvm})
 * @param tls         whether the load generator speaks TLS ({@code loadgen -t}) to a TLS server
 */
record Load(Kind kind, int conns, int conns2, int size, int rounds, double seconds, double warmup, boolean inTable,
            Launcher.Jvm jvm, boolean tls) {

    /**
     * The load generator's modes, with the metric each is judged by, and the round trip its per-op figures (e.g.
     * system calls) count: a message echoed, a connection (burst), a MB (10^6 bytes) echoed (stream) or a new
     * connection's handshake and echo (handshake).
     */
    enum Kind {
        PINGPONG("pingpong", "msgs_per_s", "msgs/s", true, "msg"),
        BURST("burst", "wall_ms", "ms", false, "conn"),
        STREAM("stream", "mb_per_s", "MB/s", true, "MB"),
        IDLE("idle", "total_per_conn", "B/conn", false, null),
        HANDSHAKE("handshake", "handshakes_per_s", "handshakes/s", true, "handshake");

        final String mode;
        final String metric;
        final String unit;
        final boolean higherIsBetter;
        final String perOp;

        Kind(String mode, String metric, String unit, boolean higherIsBetter, String perOp) {
            this.mode = mode;
            this.metric = metric;
            this.unit = unit;
            this.higherIsBetter = higherIsBetter;
            this.perOp = perOp;
        }
    }

    static Load pingpong(int conns, int size, int rounds) {
        return new Load(Kind.PINGPONG, conns, 0, size, rounds, 0, 0, true, Launcher.Jvm.PRE_TOUCHED, false);
    }

    static Load burst(int conns, int size, boolean inTable) {
        return new Load(Kind.BURST, conns, 0, size, 1, 0, 0, inTable, Launcher.Jvm.PRE_TOUCHED, false);
    }

    static Load stream(int conns, int chunk, double warmup, double seconds) {
        return new Load(Kind.STREAM, conns, 0, chunk, 1, seconds, warmup, true, Launcher.Jvm.PRE_TOUCHED, false);
    }

    /** {@code conns} connections at a time, each replaced when it has echoed one message: conns × rounds in all. */
    static Load handshake(int conns, int size, int rounds) {
        return new Load(Kind.HANDSHAKE, conns, 0, size, rounds, 0, 0, true, Launcher.Jvm.PRE_TOUCHED, false);
    }

    /** This load over TLS. */
    Load overTls() {
        return new Load(kind, conns, conns2, size, rounds, seconds, warmup, inTable, jvm, true);
    }

    /** This load with a Java server started in the {@code jvm} setup. */
    Load on(Launcher.Jvm jvm) {
        return new Load(kind, conns, conns2, size, rounds, seconds, warmup, inTable, jvm, tls);
    }

    /** The idle load, a Java server started with its heap pre-touched. */
    static Load idle(int from, int to) {
        return idle(from, to, Launcher.Jvm.PRE_TOUCHED);
    }

    static Load idle(int from, int to, Launcher.Jvm jvm) {
        return new Load(Kind.IDLE, from, to, 64, 1, 0, 0, true, jvm, false);
    }

    /** A stable key, e.g. {@code pingpong-1000}, {@code idle-default-1000-10000} or {@code tls-pingpong-1000}. */
    String id() {
        return (tls ? "tls-" : "") + (kind == Kind.IDLE
                ? String.join("-", kind.mode, jvm.id, String.valueOf(conns), String.valueOf(conns2))
                : kind.mode + "-" + conns);
    }

    /** The column title, e.g. {@code pingpong 64 B × 1,000 conns} or {@code TLS pingpong 64 B × 1,000 conns}. */
    String title() {
        return (tls ? "TLS " : "") + plainTitle();
    }

    private String plainTitle() {
        switch (kind) {
            case PINGPONG:
                return String.format("pingpong %s × %,d conns", bytes(size), conns);
            case BURST:
                return String.format("burst %,d × %s", conns, bytes(size));
            case STREAM:
                return String.format("stream %s chunks, %d conn%s", bytes(size), conns, conns == 1 ? "" : "s");
            case HANDSHAKE:
                return String.format("handshakes, %,d new conns at a time (%,d in all)", conns, conns * rounds);
            default:
                return String.format("idle %,d → %,d conns, %s", conns, conns2, jvm.title);
        }
    }

    /** The load generator's arguments, without the port and source address. */
    List<String> loadgenArgs() {
        List<String> args = new ArrayList<>(List.of("-m", kind.mode, "-s", String.valueOf(size)));
        args.addAll(List.of("-c", kind == Kind.IDLE ? conns + "," + conns2 : String.valueOf(conns)));
        if (kind == Kind.PINGPONG || kind == Kind.HANDSHAKE) {
            args.addAll(List.of("-r", String.valueOf(rounds)));
        } else if (kind == Kind.STREAM) {
            args.addAll(List.of("-W", String.valueOf(warmup), "-d", String.valueOf(seconds)));
        }
        if (tls) {
            args.add("-t");
        }
        return args;
    }

    static String bytes(int n) {
        return n % 1024 == 0 ? (n / 1024) + " KiB" : n + " B";
    }
}
