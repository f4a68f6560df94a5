package io.gaio.examples;

import io.gaio.Watcher;
import io.gaio.spi.SocketLayer;
import io.gaio.tls.TlsLayer;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLException;

/** Command-line options of the examples: {@code --name value} pairs. */
final class Options {
    private final Map<String, String> values;

    private Options(Map<String, String> values) {
        this.values = values;
    }

    static Options parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + String.join(" ", args));
            }
            values.put(args[i].substring(2), args[++i]);
        }
        return new Options(values);
    }

    int intValue(String name, int defaultValue) {
        String v = values.get(name);
        return v == null ? defaultValue : Integer.parseInt(v);
    }

    String value(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /**
     * TLS on accepted connections when {@code --tls-cert FILE --tls-key FILE} are given (PEM: the certificate chain,
     * and an unencrypted PKCS#8 private key such as {@code openssl req -x509 -newkey ec ... -nodes} writes); null
     * without them.
     *
     * @throws IllegalArgumentException when only one is given, or the files cannot be loaded
     */
    SocketLayer serverTls() {
        String cert = values.get("tls-cert");
        String key = values.get("tls-key");
        if (cert == null && key == null) {
            return null;
        }
        if (cert == null || key == null) {
            throw new IllegalArgumentException("--tls-cert FILE and --tls-key FILE go together (PEM files)");
        }
        try {
            return TlsLayer.of(SslContextBuilder.forServer(new File(cert), new File(key)).build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot load --tls-cert " + cert + " --tls-key " + key + " (a PEM "
                    + "certificate chain and an unencrypted PKCS#8 PEM private key): " + e.getMessage(), e);
        }
    }

    /** A watcher on {@code --transport}, else on {@code -Dgaio.transport}, else on the best available transport. */
    Watcher newWatcher() {
        return newWatcherBuilder().build();
    }

    /** {@link #newWatcher()}'s builder, for more settings. */
    Watcher.Builder newWatcherBuilder() {
        String transport = values.get("transport");
        return transport == null ? Watcher.builder() : Watcher.builder().transport(transport);
    }
}
