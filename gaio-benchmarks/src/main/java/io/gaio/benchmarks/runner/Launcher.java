package io.gaio.benchmarks.runner;

import io.gaio.benchmarks.server.ServerMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the command line of each server, and knows which JDK runs which. */
final class Launcher {
    /**
     * The same for every Java server. The heap is fixed and touched up front, so that resident memory does not grow
     * as the heap fills: RSS then measures native memory, and live heap is measured after a GC. One CPU makes the
     * JVM pick the serial collector anyway; naming it keeps JDK 17 and 25 alike. Netty's leak detector is off, as
     * in production.
     */
    static final List<String> JVM_FLAGS = List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
            "-Dio.netty.leakDetection.level=disabled", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    private static final Pattern RELEASE_VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

    private final String classPath;
    private final Path java;
    private final Path java21;
    private final String java21Missing;
    private final Path cEchoServer;

    Launcher(String classPath, Path java, Path jdk21Home, Path cEchoServer) {
        this.classPath = classPath;
        this.java = java;
        this.cEchoServer = cEchoServer;
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
        return kind == ServerKind.VTHREADS ? java21Missing : null;
    }

    /** The JVM a server runs on, for the report. */
    Path javaOf(ServerKind kind) {
        return kind == ServerKind.VTHREADS ? java21 : java;
    }

    List<String> command(ServerKind kind, int port) {
        if (!kind.isJava()) {
            return List.of(cEchoServer.toString(), String.valueOf(port));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(javaOf(kind).toString());
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-cp", classPath, ServerMain.class.getName()));
        cmd.addAll(kind.serverMainArgs);
        cmd.addAll(List.of("--port", String.valueOf(port)));
        return cmd;
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
