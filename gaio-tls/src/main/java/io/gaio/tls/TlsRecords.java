package io.gaio.tls;

import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * An {@link SSLEngine} and its buffers: ciphertext read and not yet unwrapped ({@link CipherIn}), ciphertext wrapped
 * and not yet written ({@link CipherOut}), and plaintext decrypted ahead of the read that takes it. Turns records into
 * plaintext and back; reads the socket when an unwrap needs bytes, but never writes it: {@link TlsSocket} decides
 * when ciphertext goes out, and knows the requests and readiness. Loop thread only.
 */
final class TlsRecords {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();
    private static final ByteBuffer NO_ROOM = ByteBuffer.allocate(0);
    /**
     * Ciphertext one data read asks the socket for: up to four full records, so a stream's records are unwrapped
     * into one read completion (one hand-off, one echo send) as Netty's 64 KiB reads do, not one each.
     */
    private static final int DATA_READ_SIZE = 64 * 1024;

    final SSLEngine engine;
    final CipherOut out;
    private final ByteBufAllocator allocator;
    private final CipherIn in;
    private final int packetSize;
    /** Room for one record's plaintext; OpenSSL's engine asks for more once it sees a full record. */
    private int appSize;
    /** Decrypted bytes no read has taken yet, else null. */
    private ByteBuf plain;
    /** The peer's close_notify came. */
    private boolean inputDone;

    TlsRecords(SSLEngine engine, ByteBufAllocator allocator) {
        this.engine = engine;
        this.allocator = allocator;
        this.in = new CipherIn(allocator);
        this.out = new CipherOut(allocator);
        this.packetSize = engine.getSession().getPacketBufferSize();
        this.appSize = engine.getSession().getApplicationBufferSize();
    }

    /**
     * The records of a session another TLS implementation established (Netty's {@code SslHandler}): reads deliver
     * {@code plain}, plaintext it decrypted and the application did not consume, then what {@code cipher}, ciphertext
     * it read and did not unwrap, and the socket hold. Takes over both buffers and the engine; releases them if it
     * fails.
     */
    static TlsRecords resumed(SSLEngine engine, ByteBufAllocator allocator, ByteBuf cipher, ByteBuf plain) {
        TlsRecords records = new TlsRecords(engine, allocator);
        records.plain = plain;
        records.releasePlainIfEmpty();
        try {
            records.in.preload(cipher, records.packetSize);
        } catch (RuntimeException e) {
            records.release();
            throw e;
        }
        return records;
    }

    boolean hasPlaintext() {
        return plain != null;
    }

    boolean isInputDone() {
        return inputDone;
    }

    /** Copies waiting plaintext into {@code dst} behind {@code produced} bytes, indexes unmoved; the new total. */
    int deliver(ByteBuf dst, int produced) {
        int n = Math.min(plain.readableBytes(), dst.writableBytes() - produced);
        dst.setBytes(dst.writerIndex() + produced, plain, plain.readerIndex(), n);
        plain.skipBytes(n);
        releasePlainIfEmpty();
        return produced + n;
    }

    /** Drops waiting ciphertext, and a staging buffer an unwrap that threw left without bytes. */
    void dropInput() {
        in.release();
        releasePlainIfEmpty();
    }

    private void releasePlainIfEmpty() {
        if (plain != null && !plain.isReadable()) {
            plain.release();
            plain = null;
        }
    }

    /** The JDK provider's certificate checks and key agreement run here, on the event loop. */
    void runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    /**
     * Unwraps one handshake record, reading {@code socket} first if needed.
     *
     * @return false when the socket has no bytes now
     */
    boolean unwrapHandshake(TransportSocket socket) throws IOException {
        if (in.needsBytes()) {
            int n = in.fill(socket, packetSize);
            if (n == 0) {
                // OpenSSL may finish a handshake whose last record it already took only at its next unwrap (a TLS 1.2
                // client after the server's Finished): give it one without bytes. The JDK's engine just underflows.
                return engine.unwrap(EMPTY, NO_ROOM).getHandshakeStatus()
                        != SSLEngineResult.HandshakeStatus.NEED_UNWRAP;
            }
            if (n < 0) {
                throw new SSLHandshakeException("the peer closed the connection during the TLS handshake");
            }
        }
        // Application data may follow the peer's last handshake message in the same flight: keep it for a read.
        if (plain == null) {
            plain = allocator.directBuffer(appSize);
        } else {
            plain.ensureWritable(appSize);
        }
        SSLEngineResult res = engine.unwrap(in.bytes(), plain.internalNioBuffer(plain.writerIndex(),
                plain.writableBytes()));
        in.consumed(res.bytesConsumed());
        plain.writerIndex(plain.writerIndex() + res.bytesProduced());
        releasePlainIfEmpty();
        switch (res.getStatus()) {
            case BUFFER_UNDERFLOW:
                in.markUnderflow();
                return true;
            case CLOSED:
                throw new SSLHandshakeException("the peer closed the TLS session during the handshake");
            case BUFFER_OVERFLOW:
                growAppSize();
                return true;
            default:
                return true;
        }
    }

    /**
     * Wraps what the engine has to send without application data (a handshake message, an alert, close_notify)
     * into {@link #out}, which must not be lent.
     *
     * @return the engine's result
     */
    SSLEngineResult wrapControl() throws SSLException {
        SSLEngineResult res = engine.wrap(EMPTY, out.room(packetSize));
        out.produced(res.bytesProduced());
        if (res.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new SSLException("the SSLEngine wants more than its packet buffer size, " + packetSize);
        }
        return res;
    }

    /** Wraps what the engine wants to send now (a key update's answer, a close_notify, an alert), unless lent. */
    void wrapPending() throws SSLException {
        while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP && !out.isLent()) {
            if (wrapControl().bytesProduced() == 0) {
                return;
            }
        }
    }

    /**
     * Unwraps records into {@code dst} from its writer index, without moving it, while it has room and records
     * wait; reads {@code socket} only before the first record, as much ciphertext as {@code dst} has room for (at
     * least a record, at most {@link #DATA_READ_SIZE}).
     *
     * @return the plaintext bytes put into {@code dst}; 0 when the socket has no record now; -1 at the peer's
     *         close_notify
     */
    int unwrapInto(ByteBuf dst, TransportSocket socket) throws IOException {
        int produced = 0;
        while (true) {
            if (in.needsBytes()) {
                if (produced > 0) {
                    return produced;
                }
                int n = in.fill(socket, Math.max(packetSize, Math.min(DATA_READ_SIZE, dst.writableBytes())));
                if (n == 0) {
                    return 0;
                }
                if (n < 0) {
                    throw new SSLException("the peer closed the TCP connection without a TLS close_notify: the data "
                            + "received may be truncated");
                }
            }
            int room = dst.writableBytes() - produced;
            SSLEngineResult res = null;
            boolean direct = dst.nioBufferCount() == 1;
            if (direct) {
                res = engine.unwrap(in.record(), dst.nioBuffer(dst.writerIndex() + produced, room));
                direct = res.getStatus() != SSLEngineResult.Status.BUFFER_OVERFLOW;
            }
            if (!direct) {
                // The record's plaintext does not fit (or dst has no single memory region): stage it.
                plain = allocator.directBuffer(appSize);
                res = engine.unwrap(in.record(), plain.internalNioBuffer(0, plain.writableBytes()));
                plain.writerIndex(res.bytesProduced());
            }
            in.consumed(res.bytesConsumed());
            produced = direct ? produced + res.bytesProduced() : deliver(dst, produced);
            switch (res.getStatus()) {
                case CLOSED:
                    if (!engine.isInboundDone()) {
                        // OpenSSL says CLOSED for every record once our close_notify is out: not the peer's end.
                        break;
                    }
                    inputDone = true;
                    answerCloseNotify();
                    return produced > 0 ? produced : -1;
                case BUFFER_UNDERFLOW:
                    in.markUnderflow();
                    continue;
                case BUFFER_OVERFLOW:
                    growAppSize();
                    continue;
                default:
                    afterHandshakeMessage(res.getHandshakeStatus());
                    if (res.bytesProduced() == 0 && res.bytesConsumed() > 0 && !out.isLent()) {
                        // A record without data, a key update say: after the handshake OpenSSL's engine reports
                        // NOT_HANDSHAKING even when BoringSSL queued an answer, which only a wrap takes out. The
                        // JDK's engine makes nothing here.
                        wrapControl();
                    }
            }
            if (produced > 0 && (plain != null || dst.writableBytes() - produced < appSize)) {
                return produced;
            }
        }
    }

    /**
     * After a BUFFER_OVERFLOW with {@link #appSize} bytes of room: the engine's session may ask for more now (OpenSSL
     * compares the room with a record's ciphertext length, which exceeds 16 KiB for a full record), as the
     * {@code SSLEngine} contract allows; a size that did not grow is the engine's bug.
     */
    private void growAppSize() throws SSLException {
        int wanted = engine.getSession().getApplicationBufferSize();
        if (wanted <= appSize) {
            throw new SSLException("the SSLEngine wants more than its application buffer size, " + appSize);
        }
        appSize = wanted;
    }

    /** TLS 1.2 answers the peer's close_notify with its own; the caller sends it. */
    private void answerCloseNotify() {
        try {
            wrapPending();
        } catch (SSLException e) {
            // The peer's stream ended cleanly all the same.
        }
    }

    /**
     * After the handshake, a record that makes the engine handshake again is a TLS 1.2 renegotiation, refused, or a
     * TLS 1.3 key update, whose answer is wrapped for the caller to send.
     */
    private void afterHandshakeMessage(SSLEngineResult.HandshakeStatus status) throws SSLException {
        if (status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                || status == SSLEngineResult.HandshakeStatus.FINISHED) {
            return;
        }
        if (!"TLSv1.3".equals(engine.getSession().getProtocol())) {
            throw new SSLException("the peer started a TLS renegotiation; gaio refuses renegotiation");
        }
        runTasks();
        wrapPending();
    }

    /**
     * Wraps plaintext from {@code srcs[0..count)}, without moving their indexes, into {@link #out}, which must not be
     * lent, until {@code limit} bytes or the end.
     *
     * @return the plaintext bytes consumed
     */
    long wrapPlaintext(ByteBuf[] srcs, int count, int limit) throws SSLException {
        long consumed = 0;
        for (int i = 0; i < count && consumed < limit; i++) {
            ByteBuf src = srcs[i];
            int length = src.readableBytes();
            int offset = 0;
            while (offset < length && consumed < limit) {
                ByteBuffer from = src.nioBuffer(src.readerIndex() + offset, length - offset);
                SSLEngineResult res = engine.wrap(from, out.room(packetSize));
                out.produced(res.bytesProduced());
                switch (res.getStatus()) {
                    case CLOSED:
                        throw new SSLException("the TLS session's output is closed (close_notify sent or "
                                + "answered); it takes no more writes");
                    case BUFFER_OVERFLOW:
                        throw new SSLException("the SSLEngine wants more than its packet buffer size, "
                                + packetSize);
                    default:
                        break;
                }
                if (res.bytesConsumed() == 0 && res.bytesProduced() == 0) {
                    throw new SSLException("the SSLEngine neither took nor made bytes: " + res);
                }
                if (res.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                offset += res.bytesConsumed();
                consumed += res.bytesConsumed();
            }
        }
        return consumed;
    }

    /** Releases every buffer but one the transport still holds, and the engine (an OpenSSL one is counted). */
    void release() {
        in.release();
        if (plain != null) {
            plain.release();
            plain = null;
        }
        out.close();
        ReferenceCountUtil.release(engine);
    }
}
