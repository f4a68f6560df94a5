package io.gaio.benchmarks.runner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The runner's command line:
 * <pre>
 * [--quick] [--tls] [--default-jvm] [--reps 3] [--servers netty-epoll,gaio-epoll,...] [--out target/bench]
 * [--jdk21 JAVA_HOME] [--force]
 * </pre>
 *
 * @param quick   a tiny version of everything, for smoke tests
 * @param tls     the TLS plan ({@link Plan#tls}) instead of the plain one, on the servers that have a TLS variant
 * @param defaultJvm the busy loads on a JVM as a user starts it ({@link Plan#onDefaultJvm}) instead of a tuned one
 * @param reps    repetitions of the full plan
 * @param servers which servers, in the order they alternate
 * @param out     where results, binaries and logs go
 * @param jdk21   the JDK that runs the virtual-thread server, or {@code null} if none was found
 * @param force   do not wait for other processes to leave the CPUs alone, nor run disturbed loads again
 */
record RunnerOptions(boolean quick, boolean tls, boolean defaultJvm, int reps, List<ServerKind> servers, Path out, Path jdk21,
                     boolean force) {
    /** Where the runner looks for a JDK 21+ when the running JVM is older and --jdk21 is not given. */
    static final Path DEFAULT_JDK21 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    static RunnerOptions parse(String[] args) {
        boolean quick = false;
        boolean tls = false;
        boolean defaultJvm = false;
        boolean force = false;
        int reps = 3;
        List<ServerKind> servers = null;
        Path out = Path.of("target", "bench");
        Path jdk21 = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick":
                    quick = true;
                    break;
                case "--tls":
                    tls = true;
                    break;
                case "--default-jvm":
                    defaultJvm = true;
                    break;
                case "--force":
                    force = true;
                    break;
                case "--reps":
                    reps = Integer.parseInt(value(args, ++i));
                    break;
                case "--servers":
                    servers = new ArrayList<>();
                    for (String id : value(args, ++i).split(",")) {
                        servers.add(ServerKind.byId(id.trim()));
                    }
                    break;
                case "--out":
                    out = Path.of(value(args, ++i));
                    break;
                case "--jdk21":
                    jdk21 = Path.of(value(args, ++i));
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i] + "\n" + usage());
            }
        }
        if (servers == null) {
            servers = tls ? ServerKind.TLS_DEFAULTS : ServerKind.DEFAULTS;
        }
        return new RunnerOptions(quick, tls, defaultJvm, reps, List.copyOf(servers), out, jdk21 != null ? jdk21 : findJdk21(),
                force);
    }

    /** The plan these options ask for. */
    Plan plan() {
        Plan plan;
        if (tls) {
            plan = quick ? Plan.tlsQuick() : Plan.tls(reps);
        } else {
            plan = quick ? Plan.quick() : Plan.full(reps);
        }
        return defaultJvm ? plan.onDefaultJvm() : plan;
    }

    /** The running JDK if it is 21+, else the default Temurin 25 if present. */
    private static Path findJdk21() {
        if (Runtime.version().feature() >= 21) {
            return Path.of(System.getProperty("java.home"));
        }
        return Files.isDirectory(DEFAULT_JDK21) ? DEFAULT_JDK21 : null;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value\n" + usage());
        }
        return args[i];
    }

    static String usage() {
        return "usage: bench.sh [--quick] [--tls] [--default-jvm] [--reps N] [--servers " + String.join(",", ServerKind.DEFAULTS
                .stream().map(k -> k.id).toList()) + "] [--out DIR] [--jdk21 JAVA_HOME] [--force]\n"
                + "  servers also: " + ServerKind.GAIO_EPOLL_4K.id + "\n"
                + "  --tls: the TLS echo, by default on " + String.join(",", ServerKind.TLS_DEFAULTS.stream()
                .map(k -> k.id).toList()) + " (only gaio and Netty servers have a TLS variant)\n"
                + "  --default-jvm: the busy loads with no heap or GC flags, as a user starts a server; results in "
                + "results[-tls]-default-jvm.*";
    }
}
