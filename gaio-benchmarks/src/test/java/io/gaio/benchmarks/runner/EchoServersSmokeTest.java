package io.gaio.benchmarks.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.Transports;
import io.gaio.benchmarks.server.EchoServer;
import io.gaio.benchmarks.server.GaioEchoServer;
import io.gaio.benchmarks.server.NettyEchoServer;
import io.gaio.benchmarks.server.AsyncChannelEchoServer;
import io.gaio.benchmarks.server.BenchTls;
import io.gaio.benchmarks.server.ServerMain;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Correctness only, in about a second per server: the C load generator, compiled as the runner compiles it, drives
 * each Java echo server in this JVM and the C echo server with a little of every load, and every echoed byte must
 * come back right; the TLS servers likewise with the TLS loads (the load generator's OpenSSL client against them).
 * No timing is asserted, and nothing is pinned.
 */
class EchoServersSmokeTest {
    private static final List<Load> LOADS = List.of(Load.pingpong(20, 64, 50), Load.burst(200, 1024, true),
            Load.stream(1, 65536, 0.1, 0.2), Load.handshake(10, 64, 3));
    private static final List<Load> TLS_LOADS = List.of(Load.handshake(10, 64, 3).overTls(),
            Load.pingpong(20, 64, 50).overTls(), Load.stream(2, 65536, 0.1, 0.2).overTls());
    private static Path out;
    private static LoadGen loadgen;
    private static SslContext tls;

    @BeforeAll
    static void compile() throws Exception {
        assumeTrue(onPath("gcc"), "gcc is not installed: the load generator cannot be built");
        out = Path.of("target", "smoke-test");
        Files.createDirectories(out);
        loadgen = new LoadGen(LoadGen.build(out), null, 30, out.resolve("loadgen.log"));
        tls = BenchTls.serverContext(BenchTls.keyStore(out.resolve("tls").resolve("bench-key.p12")));
    }

    @Test
    void gaioNioSwapBuffer() throws Exception {
        drive(() -> new GaioEchoServer("nio", 0, false));
    }

    @Test
    void gaioEpollSwapBuffer() throws Exception {
        assumeEpoll();
        drive(() -> new GaioEchoServer("epoll", 0, false));
    }

    @Test
    void gaioEpollConnectionBuffers() throws Exception {
        assumeEpoll();
        drive(() -> new GaioEchoServer("epoll", 4096, false));
    }

    @Test
    void gaioEpollOnLoop() throws Exception {
        assumeEpoll();
        drive(() -> new GaioEchoServer("epoll", 0, true));
    }

    @Test
    void gaioIoUringSwapBuffer() throws Exception {
        assumeIoUring();
        drive(() -> new GaioEchoServer("io_uring", 0, false));
    }

    @Test
    void gaioIoUringConnectionBuffers() throws Exception {
        assumeIoUring();
        drive(() -> new GaioEchoServer("io_uring", 4096, false));
    }

    @Test
    void nettyEpoll() throws Exception {
        assumeEpoll();
        drive(NettyEchoServer::new);
    }

    @Test
    void tlsNettyEpoll() throws Exception {
        assumeEpoll();
        driveTls(() -> new NettyEchoServer(tls));
    }

    @Test
    void tlsGaioEpoll() throws Exception {
        assumeEpoll();
        driveTls(() -> new GaioEchoServer("epoll", 0, false, tls));
    }

    @Test
    void tlsGaioNio() throws Exception {
        driveTls(() -> new GaioEchoServer("nio", 0, false, tls));
    }

    @Test
    void tlsGaioIoUring() throws Exception {
        assumeIoUring();
        driveTls(() -> new GaioEchoServer("io_uring", 0, false, tls));
    }

    /** The TLS plan's servers start as the runner starts them, with the key store it makes. */
    @Test
    void serverMainStartsTlsServers() throws Exception {
        assumeEpoll();
        Map<String, String> options = Map.of("tls", out.resolve("tls").resolve("bench-key.p12").toString());
        for (String kind : List.of("netty", "gaio")) {
            try (EchoServer server = ServerMain.create(kind, options)) {
                runLoads(server.start(new InetSocketAddress("127.0.0.1", 0)).getPort(), TLS_LOADS.subList(0, 1));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ServerMain.create("jdk-async", options));
    }

    @Test
    void jdkAsynchronousChannels() throws Exception {
        drive(AsyncChannelEchoServer::new);
    }

    @Test
    void idleStepsAreReported() throws Exception {
        try (EchoServer server = new GaioEchoServer("nio", 0, false)) {
            int port = server.start(new InetSocketAddress("127.0.0.1", 0)).getPort();
            int[] steps = new int[2];
            int[] n = {0};
            Map<String, String> r = loadgen.run(Load.idle(10, 50), port, "127.0.0.1", c -> steps[n[0]++] = c,
                    null);
            assertEquals("0", r.get("exit"), r.toString());
            assertEquals(10, steps[0]);
            assertEquals(50, steps[1]);
        }
    }

    @Test
    void cEchoServer() throws Exception {
        withCServer((pid, port) -> runLoads(port));
    }

    /**
     * The C server's pingpong echo costs a read and a send, plus a share of epoll_wait: what the window counts, without
     * the accepts and closes outside it. Skipped where perf cannot attach (missing, not permitted).
     */
    @Test
    void kernelCountersCountTheWindow() throws Exception {
        Load load = Load.pingpong(20, 64, 50);
        Map<String, Double> m = new HashMap<>();
        withCServer((pid, port) -> {
            try (KernelCounters kernel = KernelCounters.attach(pid, out.resolve("perf.log"))) {
                assumeTrue(kernel.perfFailure() == null, kernel::perfFailure);
                Map<String, String> r = loadgen.run(load, port, "127.0.0.1", null, kernel);
                assertEquals("0", r.get("exit"), r.toString());
                kernel.addMetrics(load, r, m);
                assertNull(kernel.perfFailure());
            }
        });
        double syscalls = m.get("syscalls_per_op");
        assertTrue(syscalls >= 2 && syscalls <= 4, m.toString());
        assertTrue(m.get("ctxsw_per_op") > 0, m.toString());
        assertTrue(m.get("softnet_drops") >= 0 && m.get("retrans_segs") >= 0, m.toString());
    }

    private interface CServerTest {
        void run(long pid, int port) throws Exception;
    }

    private static void withCServer(CServerTest test) throws Exception {
        Path binary = NativeBuild.compile("echo_server", out);
        int port = new Endpoints().nextPort();
        Process p = new ProcessBuilder(binary.toString(), String.valueOf(port)).start();
        try {
            assertEquals("READY " + port, new String(p.getInputStream().readNBytes(("READY " + port).length())));
            test.run(p.pid(), port);
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    private static void drive(Supplier<EchoServer> factory) throws Exception {
        try (EchoServer server = factory.get()) {
            runLoads(server.start(new InetSocketAddress("127.0.0.1", 0)).getPort());
        }
    }

    private static void driveTls(Supplier<EchoServer> factory) throws Exception {
        try (EchoServer server = factory.get()) {
            runLoads(server.start(new InetSocketAddress("127.0.0.1", 0)).getPort(), TLS_LOADS);
        }
    }

    private static void runLoads(int port) throws IOException, InterruptedException {
        runLoads(port, LOADS);
    }

    private static void runLoads(int port, List<Load> loads) throws IOException, InterruptedException {
        for (Load load : loads) {
            Map<String, String> r = loadgen.run(load, port, "127.0.0.1", null, null);
            assertEquals("0", r.get("exit"), load.title() + ": " + r);
            assertEquals("0", r.get("errors"), load.title() + ": " + r);
            assertEquals(String.valueOf(load.kind() == Load.Kind.HANDSHAKE ? load.conns() * load.rounds()
                    : load.conns()), r.get("ok"), load.title() + ": " + r);
            if (load.kind() == Load.Kind.PINGPONG) {
                assertEquals(String.valueOf(load.conns() * load.rounds()), r.get("msgs"), r.toString());
            }
            if (load.kind() == Load.Kind.HANDSHAKE) {
                assertEquals(String.valueOf(load.conns() * load.rounds()), r.get("handshakes"), r.toString());
            }
        }
    }

    private static void assumeEpoll() {
        assumeTrue(Transports.list().stream().anyMatch(t -> t.name().equals("epoll") && t.isAvailable()),
                "the epoll transport cannot run here");
    }

    private static void assumeIoUring() {
        assumeTrue(Transports.list().stream().anyMatch(t -> t.name().equals("io_uring") && t.isAvailable()),
                () -> "the io_uring transport cannot run here: " + Transports.list());
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
