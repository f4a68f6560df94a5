package io.gaio.benchmarks.server;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The TLS settings every TLS echo server of the benchmark shares, so that gaio and Netty do the same cryptography:
 * the JDK provider, TLS 1.3 only, one cipher suite, and one self-signed EC P-256 certificate that {@code keytool}
 * makes at run time into the benchmark's output directory (never into the source tree). The load generator offers
 * the same suite and only the X25519 group ({@code loadgen.c}, {@code -t}).
 */
public final class BenchTls {
    /** The only protocol the servers accept. */
    public static final String PROTOCOL = "TLSv1.3";
    /** The only cipher suite the servers accept. */
    public static final String CIPHER_SUITE = "TLS_AES_128_GCM_SHA256";
    /** Of a throwaway key store under target/, made for one run: not a secret. */
    private static final char[] PASSWORD = "gaio-bench".toCharArray();
    private static final String ALIAS = "bench";

    private BenchTls() {
    }

    /**
     * Makes a PKCS#12 key store with a fresh key and self-signed certificate for {@code localhost} and
     * {@code 127.0.0.1}, unless {@code store} exists.
     *
     * @param store where the key store goes
     * @return {@code store}
     * @throws IOException when keytool fails
     */
    public static Path keyStore(Path store) throws IOException, InterruptedException {
        if (Files.exists(store)) {
            return store;
        }
        Files.createDirectories(store.toAbsolutePath().getParent());
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "30",
                "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            Files.deleteIfExists(store);
            throw new IOException("keytool could not make the benchmark's certificate: " + output);
        }
        return store;
    }

    /**
     * A server context with the key in {@code store}: JDK provider, {@link #PROTOCOL}, {@link #CIPHER_SUITE}.
     *
     * @param store a key store made by {@link #keyStore}
     * @return the context
     * @throws IOException when the store cannot be read
     */
    public static SslContext serverContext(Path store) throws IOException {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD);
            return SslContextBuilder.forServer((PrivateKey) ks.getKey(ALIAS, PASSWORD),
                            (X509Certificate) ks.getCertificate(ALIAS))
                    .sslProvider(SslProvider.JDK)
                    .protocols(PROTOCOL)
                    .ciphers(List.of(CIPHER_SUITE))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the key store " + store, e);
        }
    }
}
