/**
 * TLS for a watcher's own connections: {@link io.gaio.tls.TlsLayer} runs the handshake, record framing, key updates
 * and close_notify on the event loop with an {@link javax.net.ssl.SSLEngine} from a Netty
 * {@link io.netty.handler.ssl.SslContext}, so that reads and writes move plaintext; {@link io.gaio.tls.TlsHandover}
 * hands a Netty channel over mid-session, after its {@code SslHandler}'s handshake.
 */
package io.gaio.tls;
