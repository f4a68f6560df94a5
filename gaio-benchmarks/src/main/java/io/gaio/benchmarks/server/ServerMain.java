package io.gaio.benchmarks.server;

import io.netty.handler.ssl.SslContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Starts one echo server as its own process, for the runner:
 * <pre>
 * java -cp gaio-benchmarks.jar io.gaio.benchmarks.server.ServerMain KIND [--port 9000] [--host 127.0.0.1]
 *      KIND = gaio [--transport epoll|nio] [--buffer BYTES] | netty | vthreads | jdk-async
 *      [--tls KEY_STORE] (gaio and netty: TLS with {@link BenchTls}'s settings and the key store's certificate)
 * </pre>
 * Prints {@code READY <port>} once listening. Then reads commands from standard input: {@code stats} collects
 * garbage, returns freed native memory to the system and answers
 * {@code STATS heap=<bytes used after GC> direct=<bytes in direct buffers>}; the end of input stops the server, so a
 * server never outlives its runner.
 */
public final class ServerMain {
    private ServerMain() {
    }

    /**
     * Entry point.
     *
     * @param args the kind of server and its options
     * @throws Exception when the server cannot start
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: ServerMain gaio|netty|vthreads|jdk-async [--port P] [--host H] "
                    + "[--transport epoll|nio|io_uring] [--buffer BYTES] [--collect waitio|loop] [--tls KEY_STORE]");
            System.exit(2);
        }
        Map<String, String> options = options(Arrays.asList(args).subList(1, args.length));
        EchoServer server = create(args[0], options);
        // The first 'stats' would otherwise count the platform MBean server it creates as heap per connection.
        heapUsedAfterGc();
        trimNativeHeap();
        InetSocketAddress address = server.start(new InetSocketAddress(options.getOrDefault("host", "127.0.0.1"),
                Integer.parseInt(options.getOrDefault("port", "9000"))));
        System.out.println("READY " + address.getPort());
        System.out.flush();
        serveCommands(server);
        server.close();
        System.exit(0);
    }

    /**
     * The server {@code main} starts, not started yet (public for the runner's smoke test).
     *
     * @param kind    gaio, netty, vthreads or jdk-async
     * @param options the {@code --name value} options without their dashes, e.g. {@code transport}, {@code tls}
     * @return the server
     * @throws IOException when the TLS key store cannot be read
     */
    public static EchoServer create(String kind, Map<String, String> options) throws IOException {
        SslContext tls = options.containsKey("tls") ? BenchTls.serverContext(Path.of(options.get("tls"))) : null;
        if (tls != null && !kind.equals("gaio") && !kind.equals("netty")) {
            throw new IllegalArgumentException("the " + kind + " server has no TLS variant");
        }
        switch (kind) {
            case "gaio":
                return new GaioEchoServer(options.getOrDefault("transport", "epoll"),
                        Integer.parseInt(options.getOrDefault("buffer", "0")),
                        options.getOrDefault("collect", "waitio").equals("loop"), tls);
            case "netty":
                return new NettyEchoServer(tls);
            case "vthreads":
                return new VirtualThreadEchoServer();
            case "jdk-async":
                return new AsyncChannelEchoServer();
            default:
                throw new IllegalArgumentException("unknown server kind: " + kind);
        }
    }

    private static Map<String, String> options(List<String> args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.size(); i += 2) {
            if (!args.get(i).startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args);
            }
            options.put(args.get(i).substring(2), args.get(i + 1));
        }
        return options;
    }

    private static void serveCommands(EchoServer server) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.trim().equals("stats")) {
                long heap = heapUsedAfterGc();
                trimNativeHeap();
                System.out.println("STATS heap=" + heap + " direct=" + (jdkDirectMemory() + server.extraDirectMemory()));
                System.out.flush();
            }
        }
    }

    /**
     * Live heap: what is left after full collections (with -XX:+UseSerialGC, System.gc() is one). The pauses let the
     * reference handler and cleaners run, which free more at the next collection.
     */
    private static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Returns free malloc memory to the system ({@code jcmd PID System.trim_native_heap}, JDK 17.0.9+), so that
     * resident memory counts what is in use: the JIT's arena chunks, freed a few seconds after a compilation, would
     * otherwise stay resident and show up as per-connection memory. Best effort: JDKs without the command skip it.
     */
    private static void trimNativeHeap() {
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
        } catch (JMException | RuntimeException unsupported) {
            // Not on this JDK or C library: RSS then includes freed native memory.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long jdkDirectMemory() {
        long used = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                used += pool.getMemoryUsed();
            }
        }
        return used;
    }
}
