package io.gaio.conformance;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * Key material for the TLS tests, made at run time and never written to the source tree: one self-signed EC
 * certificate for {@code localhost} and {@code 127.0.0.1}, made by the JDK's {@code keytool} in a temporary directory
 * deleted at once. Contexts for gaio (Netty's {@link SslContext}, JDK provider) and for JDK peers ({@link SSLContext})
 * trust it.
 */
final class TlsFixture {
    /** The ALPN protocols the server offers, in its order of preference. */
    static final String[] ALPN = {"h2", "http/1.1"};

    private static final char[] PASSWORD = "gaio-test".toCharArray();

    static {
        // TLS 1.3 key updates every 128 KiB each way, on both ends (they share the JVM's security properties), so
        // that every TLS 1.3 test above that size sends and answers them. Read once, when the JDK's TLS ciphers load:
        // before any handshake of this JVM.
        Security.setProperty("jdk.tls.keyLimits",
                "AES/GCM/NoPadding KeyUpdate 2^17, ChaCha20-Poly1305 KeyUpdate 2^17");
    }
    private static KeyStore generated;

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final KeyStore keyStore;
    private final SslProvider provider;

    private TlsFixture(KeyStore keyStore, SslProvider provider) throws GeneralSecurityException {
        this.keyStore = keyStore;
        this.key = (PrivateKey) keyStore.getKey("gaio", PASSWORD);
        this.certificate = (X509Certificate) keyStore.getCertificate("gaio");
        this.provider = provider;
    }

    /** The JVM's key material, made on first use, with gaio's contexts on {@code provider}. */
    static synchronized TlsFixture get(SslProvider provider) throws Exception {
        if (generated == null) {
            generated = generate();
        }
        return new TlsFixture(generated, provider);
    }

    private static KeyStore generate() throws Exception {
        Path dir = Files.createTempDirectory("gaio-tls-test");
        try {
            Path store = dir.resolve("key.p12");
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "gaio", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                    "-keystore", store.toString(), "-storetype", "PKCS12",
                    "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IOException("keytool could not make the test certificate: " + output);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, PASSWORD);
            }
            return ks;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Skips the test, saying why, where OpenSSL (netty-tcnative-boringssl-static) does not load. */
    static void assumeOpenSsl() {
        Assumptions.assumeTrue(OpenSsl.isAvailable(),
                () -> "OpenSSL (netty-tcnative-boringssl-static) does not load here: " + OpenSsl.unavailabilityCause());
    }

    /** gaio's provider: the JDK's, or OpenSSL (BoringSSL through netty-tcnative). */
    SslProvider provider() {
        return provider;
    }

    /** A gaio server context on the fixture's provider, for {@code protocol} only, offering {@link #ALPN}. */
    SslContext serverContext(String protocol) throws IOException {
        return SslContextBuilder.forServer(key, certificate)
                .sslProvider(provider)
                .protocols(protocol)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN))
                .build();
    }

    /**
     * A gaio client context on the fixture's provider, for {@code protocol} only, trusting the test certificate and
     * asking ALPN for {@code http/1.1}.
     */
    SslContext clientContext(String protocol) throws IOException {
        return SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(protocol)
                .trustManager(certificate)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "http/1.1"))
                .build();
    }

    /** The test certificate. */
    X509Certificate certificate() {
        return certificate;
    }

    /**
     * A gaio client context on the fixture's provider that trusts only the JDK's default authorities, so it rejects
     * the self-signed test certificate.
     */
    SslContext distrustingClientContext(String protocol) throws IOException {
        return SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(protocol)
                .build();
    }

    /** A JDK context with the test key and trusting the test certificate, for JDK peers. */
    SSLContext jdkContext() throws GeneralSecurityException, IOException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, PASSWORD);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("gaio", certificate);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    /** Writes the certificate as PEM into {@code file}, for peers such as {@code openssl s_client}. */
    void writeCertificatePem(Path file) {
        try {
            String pem = "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
