package io.gaio.conformance;

import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every {@link TlsTest} again with gaio's {@code SSLEngine}s from OpenSSL (BoringSSL, netty-tcnative), whose engines
 * are reference-counted and work on direct buffers; the JDK and openssl peers stay as they are. Skipped, saying why,
 * where the native library does not load.
 *
 * <p>Two tests do not run here, each saying why: a JDK peer that reaches {@link TlsFixture}'s key limit (128 KiB)
 * asks for a TLS 1.3 key update with every record it reads until the answer arrives, and BoringSSL ends the
 * connection after 32 key updates in a row (TOO_MANY_KEY_UPDATES), a known gap (docs/ARCHITECTURE.md, "Traps
 * found"). Until TlsFixture set that limit before any TLS class loaded, it had not applied to these tests.
 */
class OpenSslTlsTest extends TlsTest {
    private static final String KEY_UPDATE_GAP = "known gap: BoringSSL ends a connection whose JDK peer, past a "
            + "128 KiB key limit, asks for over 32 TLS 1.3 key updates in a row (docs/ARCHITECTURE.md, \"Traps found\")";

    @BeforeEach
    void requireOpenSsl() {
        TlsFixture.assumeOpenSsl();
    }

    @Override
    SslProvider provider() {
        return SslProvider.OPENSSL;
    }

    @Override
    @ParameterizedTest(name = "{0}, swap {1}")
    @CsvSource({"TLSv1.2, true", "TLSv1.2, false", "TLSv1.3, true", "TLSv1.3, false"})
    void jdkClientToGaioServer(String protocol, boolean swap) throws Exception {
        Assumptions.assumeFalse("TLSv1.3".equals(protocol), KEY_UPDATE_GAP);
        super.jdkClientToGaioServer(protocol, swap);
    }

    @Override
    @Test
    @Disabled(KEY_UPDATE_GAP)
    void writeDeadlineCountsTheRecordsMade() {
    }
}
