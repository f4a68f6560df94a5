package io.gaio.tls;

import java.security.cert.Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a TLS connection's handshake settled, taken when it ended:
 * <pre>{@code
 * TlsHandshake h = connection.layer(TlsHandshake.class);   // null while the handshake is under way
 * if (h != null && "h2".equals(h.applicationProtocol())) { ... }
 * }</pre>
 * Immutable; safe to keep and read from any thread.
 */
public final class TlsHandshake {
    private final String protocol;
    private final String cipherSuite;
    private final String applicationProtocol;
    private final List<Certificate> peerCertificates;
    private final SSLSession session;

    private TlsHandshake(String protocol, String cipherSuite, String applicationProtocol,
                         List<Certificate> peerCertificates, SSLSession session) {
        this.protocol = protocol;
        this.cipherSuite = cipherSuite;
        this.applicationProtocol = applicationProtocol;
        this.peerCertificates = peerCertificates;
        this.session = session;
    }

    /** Takes the outcome from an engine whose handshake has just ended; loop thread. */
    static TlsHandshake of(SSLEngine engine) {
        SSLSession session = engine.getSession();
        List<Certificate> peer;
        try {
            peer = List.of(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException anonymous) {
            // A server that asked no client certificate.
            peer = List.of();
        }
        String alpn = engine.getApplicationProtocol();
        return new TlsHandshake(session.getProtocol(), session.getCipherSuite(),
                alpn == null || alpn.isEmpty() ? null : alpn, peer, session);
    }

    /**
     * The protocol version.
     *
     * @return for example {@code "TLSv1.3"}
     */
    public String protocol() {
        return protocol;
    }

    /**
     * The cipher suite.
     *
     * @return for example {@code "TLS_AES_128_GCM_SHA256"}
     */
    public String cipherSuite() {
        return cipherSuite;
    }

    /**
     * The protocol ALPN chose.
     *
     * @return for example {@code "h2"}; {@code null} when the peers negotiated none
     */
    public String applicationProtocol() {
        return applicationProtocol;
    }

    /**
     * The peer's certificate chain, its own certificate first.
     *
     * @return the chain; empty when the peer sent none (a client the server did not ask to authenticate)
     */
    public List<Certificate> peerCertificates() {
        return peerCertificates;
    }

    /**
     * The engine's session, for what this class does not carry (its id, creation time, the local certificates).
     *
     * @return the session
     */
    public SSLSession session() {
        return session;
    }

    @Override
    public String toString() {
        return "TlsHandshake{" + protocol + ", " + cipherSuite
                + (applicationProtocol != null ? ", ALPN " + applicationProtocol : "")
                + ", " + peerCertificates.size() + " peer certificate(s)}";
    }
}
