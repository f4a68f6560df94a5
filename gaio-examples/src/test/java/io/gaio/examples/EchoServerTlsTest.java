package io.gaio.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.Watcher;
import io.gaio.spi.SocketLayer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code echo-server --tls-cert FILE --tls-key FILE}: PEM files made by {@code openssl req} as a user would (the
 * README's command), a JDK TLS client trusting that certificate gets its bytes back; one option without the other,
 * or a file that is not PEM, is refused with a message naming the options.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoServerTlsTest {
    @TempDir
    static Path dir;
    private static Path cert;
    private static Path key;

    @BeforeAll
    static void makeKeyPair() throws Exception {
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key.toString(), "-out", cert.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            p = null;
        }
        assumeTrue(p != null, "openssl is not installed here: the test makes its PEM files with `openssl req`");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, () -> "openssl req failed: " + output);
    }

    @Test
    void servesTlsWithPemFiles() throws Exception {
        SocketLayer tls = Options.parse(new String[] {"--tls-cert", cert.toString(), "--tls-key", key.toString()})
                .serverTls();
        byte[] data = "hello over TLS\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        try (EchoServer server = new EchoServer(Watcher.open(), 0)) {
            InetSocketAddress address = server.start(new InetSocketAddress("127.0.0.1", 0), tls);
            try (SSLSocket s = (SSLSocket) trusting(cert).getSocketFactory()
                    .createSocket(address.getAddress(), address.getPort())) {
                s.setSoTimeout(30_000);
                s.startHandshake();
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write(data);
                out.flush();
                assertArrayEquals(data, in.readNBytes(data.length), "the echo");
                s.shutdownOutput();
                assertEquals(-1, in.read(), "the server's close_notify after ours");
            }
        }
    }

    @Test
    void withoutOptionsThereIsNoTls() {
        assertNull(Options.parse(new String[] {"--port", "0"}).serverTls());
    }

    @Test
    void refusesHalfAnOptionPairOrAFileThatIsNotPem() throws Exception {
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"--tls-cert", cert.toString()}).serverTls());
        assertTrue(half.getMessage().contains("--tls-key"), half::getMessage);
        Path notPem = Files.writeString(dir.resolve("not.pem"), "not a key");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"--tls-cert", cert.toString(), "--tls-key", notPem.toString()})
                        .serverTls());
        assertTrue(bad.getMessage().contains("--tls-key " + notPem), bad::getMessage);
    }

    private static SSLContext trusting(Path pem) throws Exception {
        Certificate c;
        try (InputStream in = Files.newInputStream(pem)) {
            c = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("server", c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
