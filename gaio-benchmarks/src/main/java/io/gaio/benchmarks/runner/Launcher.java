package io.gaio.benchmarks.runner;

import io.gaio.benchmarks.server.ServerMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Builds the command line of each server, and knows which JDK runs which. */
final class Launcher {
    /**
     * What every Java server needs, in either {@link Jvm} setup: the epoll transport reads the descriptor of a JDK
     * channel by reflection, and Netty's leak detector is off, as in production.
     */
    static final List<String> COMMON_FLAGS = List.of("-Dio.netty.leakDetection.level=disabled",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

    /** How a Java server's JVM is set up: the memory figures mean something else in each. */
    enum Jvm {
        /**
         * The heap is fixed and touched up front, so that resident memory does not grow as the heap fills: RSS then
         * measures native memory, and live heap is measured after a GC. One CPU makes the JVM pick the serial
         * collector anyway; naming it keeps JDK 17 and 25 alike. Every load but the default-JVM idle one runs so.
         */
        PRE_TOUCHED("pretouched", "pre-touched heap", true,
                List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC")),
        /**
         * As a user starts it: heap size and collector are the JVM's choice, so RSS grows with the heap pages the
         * JVM touches, heap included.
         */
        DEFAULT("default", "default JVM", false, List.of());

        /** For load ids and the CSV. */
        final String id;
        /** For the report. */
        final String title;
        /** Whether the whole heap is resident from the start, so that RSS leaves the heap out. */
        final boolean heapPreTouched;
        /** Added to {@link #COMMON_FLAGS}. */
        final List<String> flags;

        Jvm(String id, String title, boolean heapPreTouched, List<String> flags) {
            this.id = id;
            this.title = title;
            this.heapPreTouched = heapPreTouched;
            this.flags = flags;
        }

        /** Every flag a server's JVM gets in this setup. */
        List<String> allFlags() {
            List<String> all = new ArrayList<>(flags);
            all.addAll(COMMON_FLAGS);
            return all;
        }
    }

    private static final Pattern CHOICE = Pattern.compile("-XX:(\\w+HeapSize=\\d+|\\+Use\\w+GC)");
    private static final Pattern RELEASE_VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

    private final String classPath;
    private final Path java;
    private final Path java21;
    private final String java21Missing;
    private final Path cEchoServer;
    private final Path tlsKeyStore;

    /**
     * @param tlsKeyStore the key store of the TLS servers ({@code BenchTls}), or {@code null} for plain servers
     */
    Launcher(String classPath, Path java, Path jdk21Home, Path cEchoServer, Path tlsKeyStore) {
        this.classPath = classPath;
        this.java = java;
        this.cEchoServer = cEchoServer;
        this.tlsKeyStore = tlsKeyStore;
        Optional<Integer> version = jdk21Home == null ? Optional.empty() : featureVersion(jdk21Home);
        if (jdk21Home == null) {
            this.java21 = null;
            this.java21Missing = "no JDK 21+ found; pass --jdk21 JAVA_HOME";
        } else if (version.isEmpty() || version.get() < 21) {
            this.java21 = null;
            this.java21Missing = jdk21Home + " is not a JDK 21+ (" + version.map(v -> "JDK " + v).orElse("no release file")
                    + "); pass --jdk21 JAVA_HOME";
        } else {
            this.java21 = jdk21Home.resolve("bin").resolve("java");
            this.java21Missing = null;
        }
    }

    /** Why the server cannot run here, or {@code null}. */
    String unavailability(ServerKind kind) {
        if (tlsKeyStore != null && !kind.hasTlsVariant()) {
            return "no TLS variant";
        }
        return kind == ServerKind.VTHREADS ? java21Missing : null;
    }

    /** The JVM a server runs on, for the report. */
    Path javaOf(ServerKind kind) {
        return kind == ServerKind.VTHREADS ? java21 : java;
    }

    /** The server's command line; the C server has no JVM, so {@code jvm} changes nothing for it. */
    List<String> command(ServerKind kind, int port, Jvm jvm) {
        if (!kind.isJava()) {
            return List.of(cEchoServer.toString(), String.valueOf(port));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(javaOf(kind).toString());
        cmd.addAll(jvm.allFlags());
        cmd.addAll(List.of("-cp", classPath, ServerMain.class.getName()));
        cmd.addAll(kind.serverMainArgs);
        cmd.addAll(List.of("--port", String.valueOf(port)));
        if (tlsKeyStore != null) {
            cmd.addAll(List.of("--tls", tlsKeyStore.toString()));
        }
        return cmd;
    }

    /**
     * What the JVM picks for itself in the {@link Jvm#DEFAULT} setup, pinned as the servers are (on one CPU it picks
     * the serial collector, not G1): its heap sizes and collector, as {@code -XX:+PrintCommandLineFlags} prints them.
     */
    String defaultChoices(ServerKind kind) throws InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", ServerProcess.SERVER_CPU, javaOf(kind).toString()));
        cmd.addAll(Jvm.DEFAULT.allFlags());
        cmd.addAll(List.of("-XX:+PrintCommandLineFlags", "-version"));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return Arrays.stream(out.split("\\s+")).filter(CHOICE.asMatchPredicate()).collect(Collectors.joining(" "));
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The feature version in {@code JAVA_HOME/release}. */
    static Optional<Integer> featureVersion(Path javaHome) {
        try {
            Matcher m = RELEASE_VERSION.matcher(Files.readString(javaHome.resolve("release")));
            return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
