package io.gaio.benchmarks.runner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One running echo server, pinned to CPU 0 with {@code taskset}, which execs the server so the process id is the
 * server's own. Its standard error goes to a log file; standard input and output carry {@code ServerMain}'s
 * {@code stats} protocol, and closing standard input stops a Java server.
 */
final class ServerProcess implements AutoCloseable {
    static final String SERVER_CPU = "0";
    private static final long START_TIMEOUT_MILLIS = 30_000;

    final ServerKind kind;
    final int port;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private int baselineFds;

    private ServerProcess(ServerKind kind, int port, Process process) {
        this.kind = kind;
        this.port = port;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Starts the server and waits until its port accepts connections. */
    static ServerProcess start(ServerKind kind, int port, List<String> command, Path log)
            throws IOException, InterruptedException {
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", SERVER_CPU));
        pinned.addAll(command);
        Process p = new ProcessBuilder(pinned).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ServerProcess server = new ServerProcess(kind, port, p);
        try {
            server.awaitPort();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        server.baselineFds = ProcFs.openFds(p.pid());
        return server;
    }

    private void awaitPort() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException(kind.id + " exited with status " + process.exitValue() + " before listening");
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(kind.id + " did not listen on port " + port + " within "
                            + START_TIMEOUT_MILLIS + " ms");
                }
                Thread.sleep(50);
            }
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long rssBytes() {
        return ProcFs.rssBytes(pid());
    }

    long cpuNanos() {
        return ProcFs.cpuNanos(pid());
    }

    /**
     * Live heap after GC and direct-buffer memory of a Java server.
     *
     * @return {heap, direct} in bytes
     */
    long[] javaMemory() throws IOException {
        in.write("stats\n");
        in.flush();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("STATS ")) {
                String[] f = line.split(" ");
                return new long[] {value(f[1], "heap="), value(f[2], "direct=")};
            }
        }
        throw new IOException(kind.id + " closed its output instead of answering 'stats'");
    }

    private static long value(String field, String key) {
        if (!field.startsWith(key)) {
            throw new IllegalStateException("expected " + key + " in " + field);
        }
        return Long.parseLong(field.substring(key.length()));
    }

    /**
     * Waits until the server has closed the connections of the last load (its descriptor count is back near where
     * it started), so that one load's teardown does not run into the next one's measurement.
     *
     * @return whether it got there within the timeout
     */
    boolean awaitConnectionsClosed(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (ProcFs.openFds(pid()) > baselineFds + 8) {
            if (System.nanoTime() > deadline || !isAlive()) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    @Override
    public void close() {
        try {
            in.close(); // a Java server exits at the end of its input
        } catch (IOException ignored) {
            // It is gone already.
        }
        try {
            if (!process.waitFor(kind.isJava() ? 5 : 0, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
