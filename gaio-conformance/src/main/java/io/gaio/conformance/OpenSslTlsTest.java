package io.gaio.conformance;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;

/**
 * Every {@link TlsTest} again with gaio's {@code SSLEngine}s from OpenSSL (BoringSSL, netty-tcnative), whose engines
 * are reference-counted and work on direct buffers; the JDK and openssl peers stay as they are. Skipped, saying why,
 * where the native library does not load.
 */
class OpenSslTlsTest extends TlsTest {

    @BeforeEach
    void requireOpenSsl() {
        Assumptions.assumeTrue(OpenSsl.isAvailable(),
                () -> "OpenSSL (netty-tcnative-boringssl-static) does not load here: " + OpenSsl.unavailabilityCause());
    }

    @Override
    SslProvider provider() {
        return SslProvider.OPENSSL;
    }
}
