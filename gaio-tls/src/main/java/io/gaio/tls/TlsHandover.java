package io.gaio.tls;

import io.gaio.spi.LayeredConnection;
import io.gaio.spi.LayeredSocket;
import io.gaio.spi.ReadinessListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.IoEventLoop;
import java.lang.ref.Cleaner;
import java.util.Objects;

/**
 * A Netty channel whose {@code SslHandler} completed its handshake, handed to a watcher mid-session: the TLS session
 * goes on in gaio, on the watcher's event loop, with every rule of {@link TlsLayer} connections. Name this object, not
 * the channel, in every request and in {@code free}; the first request takes the channel over as plain delegation
 * does (the transport takes it off its Netty event loop), so the channel must be one the transport supports.
 * <pre>{@code
 * // In your handler, on the channel's event loop, once the handshake succeeded and you decide to hand over:
 * ctx.channel().config().setAutoRead(false);
 * ByteBuf unconsumed = ...;     // plaintext the pipeline delivered that the application did not consume
 * executor.execute(() -> {      // not on the channel's event loop
 *     TlsHandover h = TlsHandover.takeOver(ctx.channel(), unconsumed);
 *     w.read(context, h, null); // reads return the unconsumed plaintext first, then what the peer sends next
 * });
 * }</pre>
 *
 * <p>The take-over runs on the channel's event loop and waits for it: it turns auto-read off, flushes, and removes
 * the {@code SslHandler}, keeping its engine and the ciphertext it had read but not decrypted yet (a partial record),
 * which gaio decrypts before anything it reads itself. A handover that is never named in a request releases what it
 * holds once it is unreachable; one whose take-over fails (the channel closed meanwhile) releases it at once.
 */
public final class TlsHandover implements LayeredConnection {
    /** Releases the sessions of handovers dropped before any watcher took them. */
    private static final Cleaner CLEANER = Cleaner.create();

    private final Channel channel;
    private final TakenSession session;

    private TlsHandover(Channel channel, TakenSession session) {
        this.channel = channel;
        this.session = session;
        CLEANER.register(this, session);
    }

    /**
     * Takes the TLS session out of {@code channel}'s pipeline, when the application holds no plaintext it did not
     * consume.
     *
     * @param channel a registered, open channel whose {@code SslHandler} completed its handshake
     * @return the connection to name in requests and in {@code free}
     * @throws IllegalStateException when called on the channel's event loop, or the channel is not registered, is
     *                               closed, has no {@code SslHandler}, has not completed its handshake, or has writes
     *                               the kernel did not take; the message says what to do
     */
    public static TlsHandover takeOver(Channel channel) {
        return takeOver(channel, Unpooled.EMPTY_BUFFER);
    }

    /**
     * Takes the TLS session out of {@code channel}'s pipeline, with plaintext the pipeline delivered and the
     * application did not consume: the first reads return it, before anything after it. Plaintext the
     * {@code SslHandler} decrypts until the take-over runs on the event loop (records that came with the one the
     * handler acted on) reaches the application's handler as usual: append it to {@code alreadyDecrypted} there.
     *
     * @param channel          a registered, open channel whose {@code SslHandler} completed its handshake
     * @param alreadyDecrypted plaintext to deliver first, its readable bytes; the handover owns it from now on and
     *                         releases it, also when the take-over is refused
     * @return the connection to name in requests and in {@code free}
     * @throws IllegalStateException when called on the channel's event loop, or the channel is not registered, is
     *                               closed, has no {@code SslHandler}, has not completed its handshake, or has writes
     *                               the kernel did not take; the message says what to do
     */
    public static TlsHandover takeOver(Channel channel, ByteBuf alreadyDecrypted) {
        Objects.requireNonNull(alreadyDecrypted, "alreadyDecrypted");
        if (channel == null) {
            alreadyDecrypted.release();
            throw new NullPointerException("channel");
        }
        return new TlsHandover(channel, SslHandlerRemoval.detach(channel, alreadyDecrypted));
    }

    /**
     * The channel, which the watcher's transport takes over.
     *
     * @return the channel given to {@code takeOver}
     */
    @Override
    public Object connection() {
        return channel;
    }

    /**
     * The TLS socket that goes on with the session: for the watcher's engine, once.
     *
     * @throws IllegalStateException when the session went to a watcher before
     */
    @Override
    public LayeredSocket newSocket(ReadinessListener listener, IoEventLoop loop) {
        return TlsSocket.resumed(session.records(), listener, loop);
    }

    /**
     * What the session's handshake settled (protocol, cipher suite, ALPN protocol, peer certificates): a handover is
     * named in requests instead of a {@code Connection}, so it answers what {@code Connection.layer} would.
     *
     * @return the handshake's outcome
     */
    public TlsHandshake handshake() {
        return session.handshake;
    }

    @Override
    public String toString() {
        return "TLS handover of " + channel;
    }
}
