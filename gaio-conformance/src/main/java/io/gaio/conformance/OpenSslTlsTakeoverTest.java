package io.gaio.conformance;

import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.BeforeEach;

/**
 * Every {@link TlsTakeoverTest} again with OpenSSL engines (BoringSSL, netty-tcnative) on both sides: the engine
 * Netty's {@code SslHandler} handshook with, and then gaio wraps and unwraps with, is a reference-counted one. Skipped,
 * saying why, where the native library does not load.
 */
class OpenSslTlsTakeoverTest extends TlsTakeoverTest {

    @BeforeEach
    void requireOpenSsl() {
        TlsFixture.assumeOpenSsl();
    }

    @Override
    SslProvider provider() {
        return SslProvider.OPENSSL;
    }
}
