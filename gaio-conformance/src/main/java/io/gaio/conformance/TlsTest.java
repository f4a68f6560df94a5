package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.ConnectOptions;
import io.gaio.Connection;
import io.gaio.DeadlineExceededException;
import io.gaio.ListenOptions;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.tls.TlsHandshake;
import io.gaio.tls.TlsLayer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS through gaio-tls's layer on the watcher's own listeners and connects, gaio on the JDK provider here and on
 * OpenSSL in {@link OpenSslTlsTest}: echo over TLS 1.2 and 1.3 against JDK {@link SSLSocket}s on either side, gaio
 * against gaio, {@code openssl s_client} as the peer, and how connections end: a peer's close_notify is the end of
 * the stream, a TCP end without it fails the read, a connection that does not speak TLS fails its own requests only,
 * and a TLS 1.2 renegotiation is refused. Key material is made at run time ({@link TlsFixture}).
 */
class TlsTest extends TransportTestBase {
    private static ExecutorService peers;

    @BeforeAll
    static void startPeers() {
        peers = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stopPeers() throws InterruptedException {
        peers.shutdownNow();
        peers.awaitTermination(10, TimeUnit.SECONDS);
    }

    /**
     * A JDK client sends 1 MiB while reading the echo, then closes with close_notify: the gaio server echoes every
     * byte, its last read ends with {@link EOFException}, and the client got the ALPN protocol it asked for.
     */
    @ParameterizedTest(name = "{0}, swap {1}")
    @CsvSource({"TLSv1.2, true", "TLSv1.2, false", "TLSv1.3, true", "TLSv1.3, false"})
    void jdkClientToGaioServer(String protocol, boolean swap) throws Exception {
        TlsFixture tls = tls();
        byte[] data = randomBytes(1 << 20, 31);
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext(protocol))));
            TlsEchoServer server = new TlsEchoServer(w, l, 1, swap, 0);
            Future<String> client = peers.submit(() -> {
                try (SSLSocket s = jdkClient(tls.jdkContext(), l.localAddress(), protocol)) {
                    assertEquals(protocol, s.getSession().getProtocol());
                    assertArrayEquals(data, echo(s, data), "the echo");
                    return s.getApplicationProtocol();
                }
            });
            List<Throwable> endings = server.serve(1, TlsTest::unexpected);
            assertInstanceOf(EOFException.class, endings.get(0), "the client's close_notify ends the stream");
            assertEquals("http/1.1", client.get(30, TimeUnit.SECONDS), "ALPN");
        }
    }

    /**
     * A gaio client connects to a JDK server, writes 256 KiB in one write and reads the echo into its own buffers;
     * {@code shutdownOutput} then sends close_notify, which the server reads as the end of the stream, and the
     * server's own close_notify ends the client's read.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void gaioClientToJdkServer(String protocol) throws Exception {
        TlsFixture tls = tls();
        byte[] data = randomBytes(256 * 1024, 32);
        try (SSLServerSocket ss = (SSLServerSocket) tls.jdkContext().getServerSocketFactory()
                .createServerSocket(0, 8, InetAddress.getLoopbackAddress());
             Watcher w = newWatcher()) {
            ss.setEnabledProtocols(new String[] {protocol});
            Future<String> server = peers.submit(() -> jdkEchoUntilEnd(ss));
            Connection c = w.connect("client", (InetSocketAddress) ss.getLocalSocketAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.clientContext(protocol))));
            assertSuccess(awaitResult(w));
            w.write("client", c, bufferOf(data));
            byte[] echoed = readAll(w, c, data.length, r -> {
                assertSuccess(r);
                r.buffer().release();
            });
            assertArrayEquals(data, echoed, "the echo");
            w.shutdownOutput("client", c);
            w.read("client", c, null);
            assertEquals("end of stream", server.get(30, TimeUnit.SECONDS), "the JDK server saw close_notify");
            List<OpResult> ends = awaitResults(w, 2);
            assertEquals(Operation.SHUTDOWN_OUTPUT, ends.get(0).operation());
            assertSuccess(ends.get(0));
            assertError(ends.get(1), EOFException.class);
            w.free(c);
        }
    }

    /**
     * A gaio client and a gaio server on one watcher, TLS 1.3: 4 MiB in one write, echoed, read back whole (both ends
     * send key updates meanwhile, {@link TlsFixture}); then the clean end: the client's close_notify
     * ({@code shutdownOutput}) is the server's end of the stream, the server's free sends its own, the client's read
     * ends.
     */
    @Test
    void gaioToGaio() throws Exception {
        TlsFixture tls = tls();
        byte[] data = randomBytes(4 << 20, 33);
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext("TLSv1.3"))));
            TlsEchoServer server = new TlsEchoServer(w, l, 1, true, 0);
            Connection c = w.connect("client", l.localAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.clientContext("TLSv1.3"))));
            w.write("client", c, bufferOf(data));
            byte[] echoed = readAll(w, c, data.length, r -> {
                if (r.operation() == Operation.CONNECT) {
                    assertSuccess(r);
                } else if (!server.handle(r)) {
                    assertSuccess(r);
                    r.buffer().release();
                }
            });
            assertArrayEquals(data, echoed, "the echo");
            w.shutdownOutput("client", c);
            w.read("client", c, null);
            List<OpResult> ends = new ArrayList<>();
            List<Throwable> endings = server.serve(1, ends::add);
            assertInstanceOf(EOFException.class, endings.get(0), "the server read the client's close_notify");
            ends.addAll(awaitResults(w, 2 - ends.size()));
            assertEquals(Operation.SHUTDOWN_OUTPUT, ends.get(0).operation());
            assertSuccess(ends.get(0));
            assertError(ends.get(1), EOFException.class);
            w.free(c);
        }
    }

    /**
     * Both ends of a TLS 1.3 connection tell what the handshake settled through {@code Connection.layer}: protocol,
     * one cipher suite, the ALPN protocol the client asked for, the server's certificate at the client, none at the
     * server (it asked for none); nothing of another type, nothing on a plain connection.
     */
    @Test
    void connectionsTellTheHandshake() throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext("TLSv1.3"))));
            w.accept("accept", l);
            Connection client = w.connect("client", l.localAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.clientContext("TLSv1.3"))));
            w.write("client", client, bufferOf(new byte[] {5}));
            Connection server = null;
            boolean written = false;
            boolean read = false;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!(written && read)) {
                assertTrue(System.nanoTime() - deadline < 0, "the write and the server's read within " + WAIT);
                for (OpResult r : w.waitIO(Duration.ofMillis(200))) {
                    assertSuccess(r);
                    if (r.operation() == Operation.ACCEPT) {
                        server = (Connection) r.connection();
                        w.read("server", server, null);
                    } else if (r.operation() == Operation.WRITE) {
                        r.buffer().release();
                        written = true;
                    } else if (r.operation() == Operation.READ) {
                        assertEquals(5, r.buffer().getByte(r.buffer().readerIndex()));
                        read = true;
                    }
                }
            }
            TlsHandshake atClient = client.layer(TlsHandshake.class);
            TlsHandshake atServer = server.layer(TlsHandshake.class);
            assertEquals("TLSv1.3", atClient.protocol());
            assertEquals("TLSv1.3", atServer.protocol());
            assertEquals(atServer.cipherSuite(), atClient.cipherSuite());
            assertEquals("http/1.1", atClient.applicationProtocol());
            assertEquals("http/1.1", atServer.applicationProtocol());
            assertEquals(List.of(tls.certificate()), atClient.peerCertificates());
            assertEquals(List.of(), atServer.peerCertificates());
            assertNull(client.layer(String.class), "nothing of another type");
            // The session ticket is read, so that freeing sends close_notify rather than a reset.
            w.read("client", client, null);
            w.free(client);
            w.free(server);
            assertNotNull(atClient.session(), "the handshake is kept after the connection ended");
        }
    }

    /**
     * Once an echo is over, a TLS connection waiting with a read pending holds no buffer on either side: ciphertext
     * and plaintext buffers are taken from the layer's allocator only while bytes wait.
     */
    @Test
    void idleConnectionsHoldNoBuffer() throws Exception {
        TlsFixture tls = tls();
        UnpooledByteBufAllocator counted = new UnpooledByteBufAllocator(true);
        byte[] data = randomBytes(100_000, 38);
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext("TLSv1.3"), counted)));
            TlsEchoServer server = new TlsEchoServer(w, l, 1, true, 0);
            Connection c = w.connect("client", l.localAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.clientContext("TLSv1.3"), counted)));
            w.write("client", c, bufferOf(data));
            byte[] echoed = readAll(w, c, data.length, r -> {
                if (r.operation() == Operation.CONNECT) {
                    assertSuccess(r);
                } else if (!server.handle(r)) {
                    assertSuccess(r);
                    r.buffer().release();
                }
            });
            assertArrayEquals(data, echoed, "the echo");
            // The server's next read is pending; the client reads too.
            w.read("idle", c, null);
            assertNoCompletion(w, Duration.ofMillis(300));
            assertEquals(0, counted.metric().usedDirectMemory() + counted.metric().usedHeapMemory(),
                    "bytes of the TLS layer's buffers held by two idle connections");
            w.free(c);
        }
    }

    /**
     * {@code openssl s_client} as the peer, TLS 1.2 and 1.3, verifying the certificate and asking for ALPN; its second
     * connection resumes the session of the first ({@code -sess_out}, {@code -sess_in}).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void opensslClientAndResumption(String protocol, @TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(opensslRuns(), "openssl is not installed here (no `openssl version`): the test needs "
                + "openssl s_client as the peer");
        TlsFixture tls = tls();
        Path ca = dir.resolve("ca.pem");
        tls.writeCertificatePem(ca);
        Path session = dir.resolve("session.pem");
        String hello = "hello over TLS from openssl\n";
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext(protocol))));
            TlsEchoServer server = new TlsEchoServer(w, l, 2, true, hello.length());
            String first = opensslEcho(server, l, protocol, ca, hello, "-sess_out", session.toString());
            assertTrue(first.contains("New, "), () -> "a new session first:\n" + first);
            String second = opensslEcho(server, l, protocol, ca, hello, "-sess_in", session.toString());
            assertTrue(second.contains("Reused, "), () -> "the session resumed:\n" + second);
            assertTrue(second.contains("ALPN protocol: http/1.1"), () -> "ALPN:\n" + second);
        }
    }

    /**
     * Runs {@code openssl s_client}, which sends {@code hello} and prints what comes back until the server closes
     * after the echo; returns its output, in which the echo is checked.
     */
    private static String opensslEcho(TlsEchoServer server, Listener l, String protocol, Path ca, String hello,
                                      String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client",
                "-connect", "127.0.0.1:" + l.localAddress().getPort(),
                protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2", "-CAfile", ca.toString(),
                "-verify_return_error", "-verify_ip", "127.0.0.1", "-alpn", "http/1.1", "-ign_eof"));
        command.addAll(List.of(more));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            Future<byte[]> output = peers.submit(() -> p.getInputStream().readAllBytes());
            try (OutputStream stdin = p.getOutputStream()) {
                stdin.write(hello.getBytes(StandardCharsets.US_ASCII));
            }
            int ended = server.serve(server.ended() + 1, TlsTest::unexpected).size();
            assertNull(server.ending(ended - 1), "the server closed after the echo");
            String out = new String(output.get(30, TimeUnit.SECONDS), StandardCharsets.US_ASCII);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl s_client did not exit");
            assertTrue(out.contains(hello), () -> "the echo in what openssl s_client printed:\n" + out);
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * A client that sends an HTTP request instead of a ClientHello: its read ends with an {@link SSLException}; a
     * TLS client of the same listener after it is served as if nothing happened.
     */
    @Test
    void garbageInsteadOfClientHello() throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext("TLSv1.3"))));
            TlsEchoServer server = new TlsEchoServer(w, l, 2, true, 0);
            try (SocketChannel garbage = Loopback.client(l.localAddress())) {
                sendAll(garbage, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                List<Throwable> endings = server.serve(1, TlsTest::unexpected);
                assertInstanceOf(SSLException.class, endings.get(0), "the garbage connection's read");
                byte[] data = randomBytes(1000, 34);
                Future<byte[]> client = peers.submit(() -> {
                    try (SSLSocket s = jdkClient(tls.jdkContext(), l.localAddress(), "TLSv1.3")) {
                        return echo(s, data);
                    }
                });
                endings = server.serve(2, TlsTest::unexpected);
                assertArrayEquals(data, client.get(30, TimeUnit.SECONDS));
                assertInstanceOf(EOFException.class, endings.get(1), "the TLS client after the garbage");
            }
        }
    }

    /**
     * A gaio client that does not trust the server's certificate: its request ends with an
     * {@link SSLHandshakeException}, the server's read with the client's alert, and a trusting client of the same
     * listener, on the same watcher, is served after it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void clientRejectsTheCertificate(String protocol) throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext(protocol))));
            TlsEchoServer server = new TlsEchoServer(w, l, 2, true, 1);
            Connection distrusting = w.connect("distrusting", l.localAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.distrustingClientContext(protocol))));
            w.read("distrusting", distrusting, null);
            List<OpResult> client = new ArrayList<>();
            List<Throwable> endings = server.serve(1, client::add);
            assertInstanceOf(SSLException.class, endings.get(0), "the server's read after the client's alert");
            client.addAll(awaitResults(w, 2 - client.size()));
            assertSuccess(client.get(0));
            SSLHandshakeException rejected = assertInstanceOf(SSLHandshakeException.class, client.get(1).error(),
                    "the distrusting client's read");
            assertTrue(String.valueOf(rejected.getMessage()).toLowerCase(Locale.ROOT).contains("cert")
                    || rejected.getCause() != null, () -> "a reason that names the certificate: " + rejected);
            w.free(distrusting);

            Connection trusting = w.connect("trusting", l.localAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.clientContext(protocol))));
            w.write("trusting", trusting, bufferOf(new byte[] {9}));
            byte[] echoed = readAll(w, trusting, 1, r -> {
                if (!server.handle(r)) {
                    assertSuccess(r);
                    if (r.operation() == Operation.WRITE) {
                        r.buffer().release();
                    }
                }
            });
            assertEquals(9, echoed[0]);
            w.free(trusting);
        }
    }

    /**
     * Peers that connect and then say nothing, on either side: the first read's deadline ends the stalled handshake
     * with {@link DeadlineExceededException}, and the connection is freed without leaking.
     */
    @Test
    void stalledHandshakeEndsAtTheReadDeadline() throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher();
             ServerSocket silentServer = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext("TLSv1.3"))));
            w.accept("accept", l);
            try (SocketChannel silentClient = Loopback.client(l.localAddress())) {
                OpResult accepted = awaitResult(w);
                assertSuccess(accepted);
                Connection c = (Connection) accepted.connection();
                w.readTimeout("server", c, null, Duration.ofMillis(300));
                assertError(awaitResult(w), DeadlineExceededException.class);
                w.free(c);
            }
            Connection client = w.connect("client", (InetSocketAddress) silentServer.getLocalSocketAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.clientContext("TLSv1.3"))));
            try (Socket accepted = silentServer.accept()) {
                assertSuccess(awaitResult(w));
                w.readTimeout("client", client, null, Duration.ofMillis(300));
                assertError(awaitResult(w), DeadlineExceededException.class);
                w.free(client);
                assertTrue(accepted.getInputStream().read() >= 0, "the ClientHello reached the silent server");
            }
        }
    }

    /**
     * A layer that fails once the socket exists (here the {@code SslContext} cannot make an engine): the accept and
     * the connect complete with an {@link IOException} caused by it, the peer of the accepted socket sees it closed,
     * and no descriptor is left (the class's descriptor check).
     */
    @Test
    void layerThatFailsClosesTheSocket() throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(failingEngines(tls.serverContext("TLSv1.3")))));
            w.accept("accept", l);
            try (SocketChannel client = Loopback.client(l.localAddress())) {
                IOException e = assertError(awaitResult(w), IOException.class);
                assertInstanceOf(IllegalStateException.class, e.getCause(), "the layer's error");
                assertTrue(e.getMessage().contains("no engine"), e::getMessage);
                client.socket().setSoTimeout((int) WAIT.toMillis());
                assertEquals(-1, client.socket().getInputStream().read(), "the accepted socket was closed");
            }
            Connection c = w.connect("client", l.localAddress(), ConnectOptions.defaults()
                    .layer(TlsLayer.of(failingEngines(tls.clientContext("TLSv1.3")))));
            IOException e = assertError(awaitResult(w), IOException.class);
            assertInstanceOf(IllegalStateException.class, e.getCause(), "the layer's error");
            assertTrue(e.getMessage().contains("no engine"), e::getMessage);
            assertTrue(!c.isOpen(), "the failed connect's connection is closed");
        }
    }

    private static SslContext failingEngines(SslContext context) {
        return new DelegatingSslContext(context) {
            @Override
            protected void initEngine(SSLEngine engine) {
                ReferenceCountUtil.release(engine);
                throw new IllegalStateException("test: no engine for this connection");
            }
        };
    }

    /** A peer that ends TCP without close_notify: the bytes before arrive, then the read fails as truncated. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void peerClosesWithoutCloseNotify(String protocol) throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext(protocol))));
            TlsEchoServer server = new TlsEchoServer(w, l, 1, false, 0);
            byte[] data = randomBytes(5000, 35);
            Future<byte[]> client = peers.submit(() -> {
                Socket plain = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort());
                SSLSocket s = (SSLSocket) tls.jdkContext().getSocketFactory()
                        .createSocket(plain, "localhost", l.localAddress().getPort(), true);
                configure(s, protocol);
                s.setSoTimeout((int) WAIT.toMillis());
                byte[] echoed = echo(s, data);
                plain.close();
                return echoed;
            });
            List<Throwable> endings = server.serve(1, TlsTest::unexpected);
            assertArrayEquals(data, client.get(30, TimeUnit.SECONDS));
            SSLException e = assertInstanceOf(SSLException.class, endings.get(0));
            assertTrue(e.getMessage().contains("close_notify"), e::getMessage);
        }
    }

    /**
     * A record cut by the peer's TCP end: the record before it arrives whole, then the read fails as truncated. TLS 1.2,
     * whose client has nothing unread when it closes (a TLS 1.3 client would leave the server's session ticket unread,
     * and its close would reset the connection instead of ending it).
     */
    @Test
    void recordCutByTheTcpEnd() throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext("TLSv1.2"))));
            w.accept("accept", l);
            byte[] first = randomBytes(1000, 39);
            try (RawTlsClient client = RawTlsClient.connect(tls.jdkContext(), l.localAddress(), "TLSv1.2")) {
                OpResult accepted = awaitResult(w);
                assertSuccess(accepted);
                Connection c = (Connection) accepted.connection();
                byte[] record1 = client.seal(first);
                byte[] record2 = client.seal(randomBytes(1000, 40));
                byte[] cut = Arrays.copyOf(record1, record1.length + record2.length / 2);
                System.arraycopy(record2, 0, cut, record1.length, record2.length / 2);
                client.send(cut);
                client.close();
                assertArrayEquals(first, readAll(w, c, first.length, TlsTest::unexpected), "the whole record");
                w.read("end", c, null);
                SSLException e = assertError(awaitResult(w), SSLException.class);
                assertTrue(e.getMessage().contains("truncated"), e::getMessage);
                w.free(c);
            }
        }
    }

    /** A TLS 1.2 client that renegotiates: the server refuses, its read ends with an {@link SSLException}. */
    @Test
    void renegotiationRefused() throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext("TLSv1.2"))));
            TlsEchoServer server = new TlsEchoServer(w, l, 1, true, 0);
            byte[] data = randomBytes(100, 36);
            Future<byte[]> client = peers.submit(() -> {
                try (SSLSocket s = jdkClient(tls.jdkContext(), l.localAddress(), "TLSv1.2")) {
                    byte[] echoed = echo(s, data);
                    s.startHandshake();
                    try {
                        s.getInputStream().read();
                    } catch (IOException expected) {
                        // The server's alert, or its close.
                    }
                    return echoed;
                }
            });
            List<Throwable> endings = server.serve(1, TlsTest::unexpected);
            assertArrayEquals(data, client.get(30, TimeUnit.SECONDS));
            SSLException e = assertInstanceOf(SSLException.class, endings.get(0));
            assertTrue(e.getMessage().contains("renegotiation"), e::getMessage);
        }
    }

    /**
     * A write whose deadline passes while the peer reads nothing ends with {@link DeadlineExceededException} and the
     * plaintext bytes its records hold; those records still go out, before a later write, so the peer reads exactly
     * that many bytes of the first write, then the second, then close_notify. With 16 MiB, both ends send TLS 1.3 key
     * updates meanwhile ({@link TlsFixture}).
     */
    @Test
    void writeDeadlineCountsTheRecordsMade() throws Exception {
        TlsFixture tls = tls();
        byte[] data = randomBytes(16 << 20, 37);
        try (SSLServerSocket ss = (SSLServerSocket) tls.jdkContext().getServerSocketFactory()
                .createServerSocket(0, 8, InetAddress.getLoopbackAddress());
             Watcher w = newWatcher()) {
            ss.setEnabledProtocols(new String[] {"TLSv1.3"});
            CountDownLatch startReading = new CountDownLatch(1);
            Future<byte[]> server = peers.submit(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout((int) WAIT.toMillis());
                    s.startHandshake();
                    assertTrue(startReading.await(30, TimeUnit.SECONDS));
                    return s.getInputStream().readAllBytes();
                }
            });
            Connection c = w.connect("client", (InetSocketAddress) ss.getLocalSocketAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.clientContext("TLSv1.3"))));
            assertSuccess(awaitResult(w));
            // Takes the server's TLS 1.3 session ticket: left unread, it would make free() reset the connection.
            w.read("ticket", c, null);
            ByteBuf first = bufferOf(data);
            ByteBuf second = bufferOf(new byte[] {42});
            try {
                w.writeTimeout("client", c, first, Duration.ofMillis(500));
                OpResult r = awaitResult(w);
                assertError(r, DeadlineExceededException.class);
                int sent = r.size();
                assertTrue(sent > 0 && sent < data.length, () -> "bytes sent before the deadline: " + sent);
                startReading.countDown();
                w.write("client", c, second);
                assertSuccess(awaitResult(w));
                // Ends the stream with close_notify but goes on reading: freed now, the connection would be reset if
                // a key update of the peer's were on its way.
                w.shutdownOutput("client", c);
                assertSuccess(awaitResult(w));
                byte[] got = server.get(30, TimeUnit.SECONDS);
                assertError(awaitResult(w), EOFException.class);
                w.free(c);
                assertEquals(sent + 1, got.length, "what the peer read");
                assertArrayEquals(Arrays.copyOf(data, sent), Arrays.copyOf(got, sent));
                assertEquals(42, got[sent]);
            } finally {
                first.release();
                second.release();
            }
        }
    }

    /** A read whose deadline passes before any record ends with {@link DeadlineExceededException}; the next gets it. */
    @Test
    void readDeadline() throws Exception {
        TlsFixture tls = tls();
        try (Watcher w = newWatcher()) {
            Listener l = w.listen(loopback(0), ListenOptions.defaults()
                    .layer(TlsLayer.of(tls.serverContext("TLSv1.3"))));
            w.accept("accept", l);
            Future<SSLSocket> client = peers.submit(() -> jdkClient(tls.jdkContext(), l.localAddress(), "TLSv1.3"));
            OpResult accepted = awaitResult(w);
            try (SSLSocket s = client.get(30, TimeUnit.SECONDS)) {
                assertSuccess(accepted);
                Connection c = (Connection) accepted.connection();
                w.readTimeout("read", c, null, Duration.ofMillis(200));
                assertError(awaitResult(w), DeadlineExceededException.class);
                s.getOutputStream().write(7);
                s.getOutputStream().flush();
                w.read("read", c, null);
                collect(w, 1, WAIT, r -> {
                    assertSuccess(r);
                    assertEquals(1, r.size());
                    assertEquals(7, r.buffer().getByte(r.buffer().readerIndex()));
                });
                w.free(c);
            }
        }
    }

    /**
     * TLS 1.3 half-close: {@code shutdownOutput} sends close_notify, which the JDK server reads as the end of the
     * stream; it answers and closes, and gaio reads the answer, then the end of the stream.
     */
    @Test
    void shutdownOutputSendsCloseNotify() throws Exception {
        TlsFixture tls = tls();
        byte[] request = "request".getBytes(StandardCharsets.US_ASCII);
        byte[] answer = "answer after the request's end".getBytes(StandardCharsets.US_ASCII);
        try (SSLServerSocket ss = (SSLServerSocket) tls.jdkContext().getServerSocketFactory()
                .createServerSocket(0, 8, InetAddress.getLoopbackAddress());
             Watcher w = newWatcher()) {
            ss.setEnabledProtocols(new String[] {"TLSv1.3"});
            Future<byte[]> server = peers.submit(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout((int) WAIT.toMillis());
                    byte[] got = s.getInputStream().readAllBytes();
                    s.getOutputStream().write(answer);
                    s.getOutputStream().flush();
                    return got;
                }
            });
            Connection c = w.connect("client", (InetSocketAddress) ss.getLocalSocketAddress(),
                    ConnectOptions.defaults().layer(TlsLayer.of(tls.clientContext("TLSv1.3"))));
            w.write("client", c, bufferOf(request));
            w.shutdownOutput("client", c);
            List<OpResult> done = awaitResults(w, 3);
            done.forEach(TransportTestBase::assertSuccess);
            done.get(1).buffer().release();
            assertArrayEquals(request, server.get(30, TimeUnit.SECONDS), "what the server read before the end");
            byte[] got = readAll(w, c, answer.length, TlsTest::unexpected);
            assertArrayEquals(answer, got);
            w.read("client", c, null);
            assertError(awaitResult(w), EOFException.class);
            w.free(c);
        }
    }

    /** gaio's TLS provider in these tests; {@link OpenSslTlsTest} runs them all again on OpenSSL. */
    SslProvider provider() {
        return SslProvider.JDK;
    }

    private TlsFixture tls() throws Exception {
        return TlsFixture.get(provider());
    }

    // ---- peers ----

    private static SSLSocket jdkClient(SSLContext context, InetSocketAddress server, String protocol)
            throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(server.getAddress(), server.getPort());
        configure(s, protocol);
        s.setSoTimeout((int) WAIT.toMillis());
        s.startHandshake();
        return s;
    }

    private static void configure(SSLSocket s, String protocol) {
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {protocol});
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
    }

    /** Writes {@code data} while another thread reads the echo; returns what came back. */
    private static byte[] echo(SSLSocket s, byte[] data) throws Exception {
        Future<byte[]> reader = peers.submit(() -> s.getInputStream().readNBytes(data.length));
        OutputStream out = s.getOutputStream();
        for (int off = 0; off < data.length; off += 10_000) {
            out.write(data, off, Math.min(10_000, data.length - off));
        }
        out.flush();
        return reader.get(30, TimeUnit.SECONDS);
    }

    /** Accepts one TLS client and echoes until its stream ends; says how it ended. */
    private static String jdkEchoUntilEnd(SSLServerSocket ss) throws IOException {
        try (SSLSocket s = (SSLSocket) ss.accept()) {
            s.setSoTimeout((int) WAIT.toMillis());
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[16 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
            return "end of stream";
        }
    }

    /** Reads {@code n} bytes from {@code c} into buffers of its own; results of other requests go to {@code other}. */
    private static byte[] readAll(Watcher w, Connection c, int n, Consumer<OpResult> other)
            throws InterruptedException {
        ByteBuffer got = ByteBuffer.allocate(n);
        Object reading = "client-read";
        w.read(reading, c, directBuffer(64 * 1024));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.hasRemaining()) {
            if (System.nanoTime() - deadline > 0) {
                fail("only " + got.position() + " of " + n + " bytes came back within " + WAIT);
            }
            for (OpResult r : w.waitIO(Duration.ofMillis(200))) {
                if (r.context() != reading) {
                    other.accept(r);
                    continue;
                }
                ByteBuf b = r.buffer();
                if (!r.isSuccess()) {
                    b.release();
                    assertSuccess(r);
                }
                int k = Math.min(b.readableBytes(), got.remaining());
                b.readBytes(got.array(), got.position(), k);
                got.position(got.position() + k);
                if (got.hasRemaining()) {
                    w.read(reading, c, b.clear());
                } else {
                    b.release();
                }
            }
        }
        return got.array();
    }

    private static boolean opensslRuns() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static void unexpected(OpResult r) {
        fail("unexpected completion " + r);
    }
}
