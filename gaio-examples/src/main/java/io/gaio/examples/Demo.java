package io.gaio.examples;

import io.gaio.Watcher;
import io.gaio.WatcherMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The main demo: an {@link EchoServer} on a watcher in this process, driven by a {@link DemoClient} process with N
 * concurrent connections, then a short report of throughput, latency and the server's memory per connection. Both
 * sides are proactors: the server's watcher accepts, the client's connects, and no thread blocks in either. While it
 * runs, a line a second shows the server watcher's {@link Watcher#metrics() metrics}.
 */
final class Demo {
    private Demo() {
    }

    static void main(Options options) throws Exception {
        int n = options.intValue("connections", 8192);
        int size = options.intValue("size", 1024);
        int rounds = options.intValue("rounds", 10);
        Watcher watcher = options.newWatcher();
        try (EchoServer server = new EchoServer(watcher, 0)) {
            InetSocketAddress address = server.start(new InetSocketAddress("127.0.0.1", 0));
            System.out.printf("gaio demo: echo server on %s (transport %s); client process: %,d connections x %,d"
                    + " bytes x %d rounds%n", address, watcher.transport(), n, size, rounds);
            long rssBefore = rssBytes();
            long heapBefore = usedHeapAfterGc();

            Thread live = EchoServer.daemon(() -> printLive(watcher, size), "gaio-demo-metrics");
            live.start();
            Process client = startClient(options, address.getPort());
            Map<String, String> result = null;
            long rssIdle = -1;
            long heapIdle = -1;
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("CONNECTED")) {
                        // Every server connection now idles with a pending swap-buffer read.
                        Thread.sleep(500);
                        rssIdle = rssBytes();
                        heapIdle = usedHeapAfterGc();
                        System.out.printf("  %,d connections up; each has a pending read and no buffer%n",
                                Integer.parseInt(line.split(" ")[1]));
                    } else if (line.startsWith("PROGRESS")) {
                        String[] p = line.split(" ");
                        System.out.printf("  %,d / %,d messages echoed%n", Long.parseLong(p[1]), Long.parseLong(p[2]));
                    } else if (line.startsWith("RESULT")) {
                        result = parse(line);
                    } else {
                        System.out.println("  client: " + line);
                    }
                }
            }
            int exit = client.waitFor();
            live.interrupt();
            live.join();
            if (result == null || exit != 0) {
                throw new IllegalStateException("the demo client failed (exit code " + exit + ")");
            }
            report(watcher.transport(), n, size, result, rssBefore, rssIdle, heapBefore, heapIdle);
        }
    }

    /**
     * Prints a line a second from the watcher's metrics until interrupted: connections, messages echoed per second
     * (bytes written by the echo, in messages of {@code size} bytes), pending requests and swap buffers in use.
     */
    private static void printLive(Watcher watcher, int size) {
        WatcherMetrics last = watcher.metrics();
        long lastNanos = System.nanoTime();
        try {
            while (true) {
                Thread.sleep(1000);
                WatcherMetrics now = watcher.metrics();
                long nanos = System.nanoTime();
                double perSecond = (now.bytesWritten() - last.bytesWritten()) / (double) size * 1e9
                        / (nanos - lastNanos);
                System.out.printf("  [server] %,d connections, %,.0f msgs/s, pending %,d reads %,d writes, swap "
                        + "buffers %d/%d, %,d reads starved%n", now.connections(), perSecond, now.pendingReads(),
                        now.pendingWrites(), now.swapBuffers(), now.maxSwapBuffers(), now.starvedReads());
                last = now;
                lastNanos = nanos;
            }
        } catch (InterruptedException done) {
            // The client finished.
        }
    }

    private static Process startClient(Options options, int port) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx1g");
        // What the jar's manifest grants the server process: run with -cp, the client would print the JDK's warnings.
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        String transport = System.getProperty("gaio.transport");
        if (transport != null) {
            cmd.add("-Dgaio.transport=" + transport);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "demo-client",
                "--port", String.valueOf(port),
                "--connections", String.valueOf(options.intValue("connections", 8192)),
                "--size", String.valueOf(options.intValue("size", 1024)),
                "--rounds", String.valueOf(options.intValue("rounds", 10))));
        String named = options.value("transport", null);
        if (named != null) {
            cmd.addAll(List.of("--transport", named));
        }
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static void report(String transport, int n, int size, Map<String, String> r, long rssBefore,
                               long rssIdle, long heapBefore, long heapIdle) {
        long messages = Long.parseLong(r.get("messages"));
        double wallSeconds = Long.parseLong(r.get("wallNanos")) / 1e9;
        System.out.println();
        System.out.println("gaio demo report");
        System.out.printf("  transport          %s%n", transport);
        System.out.printf("  connections        %,d (%,d-byte messages)%n", n, size);
        System.out.printf("  messages echoed    %,d (errors: %s)%n", messages, r.get("errors"));
        System.out.printf("  wall time          %.2f s%n", wallSeconds);
        System.out.printf("  messages/s         %,.0f%n", messages / wallSeconds);
        System.out.printf("  latency p50 / p99  %.2f ms / %.2f ms%n", Long.parseLong(r.get("p50Nanos")) / 1e6,
                Long.parseLong(r.get("p99Nanos")) / 1e6);
        System.out.printf("  server heap/conn   %s%n", perConnection(heapIdle - heapBefore, n));
        System.out.printf("  server RSS/conn    %s%n", rssBefore < 0 ? "n/a (no /proc)" : perConnection(rssIdle - rssBefore, n));
    }

    private static String perConnection(long bytes, int n) {
        return String.format("%,.0f bytes (idle, pending swap-buffer read)", Math.max(0, bytes) / (double) n);
    }

    private static Map<String, String> parse(String line) {
        Map<String, String> values = new HashMap<>();
        for (String kv : line.substring("RESULT ".length()).split(" ")) {
            int eq = kv.indexOf('=');
            values.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return values;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Resident set size from /proc/self/status, or -1 where there is no /proc. */
    private static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
