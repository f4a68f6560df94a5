package io.gaio.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;

/**
 * A TLS session taken from a Netty channel, held until a socket takes it: the engine (one reference of it, for an
 * OpenSSL engine is counted), the ciphertext the {@code SslHandler} read and did not unwrap, and the plaintext the
 * application got and did not consume. Whoever has it releases it: a socket once it took it ({@link #records}), else
 * the {@link java.lang.ref.Cleaner} once its {@link TlsHandover} is unreachable ({@link #run}). Thread-safe.
 */
final class TakenSession implements Runnable {
    private final AtomicBoolean given = new AtomicBoolean();
    private final SSLEngine engine;
    private final ByteBuf cipher;
    private final ByteBuf plain;
    private final ByteBufAllocator allocator;
    /** What the handshake settled, taken with the session. */
    final TlsHandshake handshake;

    TakenSession(SSLEngine engine, ByteBuf cipher, ByteBuf plain, ByteBufAllocator allocator) {
        this.engine = engine;
        this.handshake = TlsHandshake.of(engine);
        this.cipher = cipher;
        this.plain = plain;
        this.allocator = allocator;
    }

    /**
     * The session's records, their owner from now on; once only.
     *
     * @throws IllegalStateException when a socket took the session before
     */
    TlsRecords records() {
        if (!given.compareAndSet(false, true)) {
            throw new IllegalStateException("this TlsHandover's TLS session went to a watcher already (the "
                    + "connection was freed or its take-over failed since); a handover serves one connection");
        }
        return TlsRecords.resumed(engine, allocator, cipher, plain);
    }

    /** Releases the session if no socket took it: the handover was dropped unused. */
    @Override
    public void run() {
        if (given.compareAndSet(false, true)) {
            cipher.release();
            plain.release();
            ReferenceCountUtil.release(engine);
        }
    }
}
