package io.gaio.tls;

import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Ciphertext read from the socket and not yet unwrapped. Holds a pooled buffer only while bytes wait (a partial
 * record, or records behind the one a read took), so an idle connection holds none.
 */
final class CipherIn {
    /** A TLS record's header: content type, version, and the length of what follows (bytes 3 and 4). */
    private static final int RECORD_HEADER = 5;
    private final ByteBufAllocator allocator;
    private ByteBuf buf;
    /** The engine asked for more bytes than those waiting: the next unwrap needs a read first. */
    private boolean underflow;

    CipherIn(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    /** Whether an unwrap must read from the socket first. */
    boolean needsBytes() {
        return buf == null || underflow;
    }

    void markUnderflow() {
        underflow = true;
    }

    /** The waiting bytes, for {@code SSLEngine.unwrap}; valid until the next call on this object. */
    ByteBuffer bytes() {
        return buf.internalNioBuffer(buf.readerIndex(), buf.readableBytes());
    }

    /**
     * The first waiting record (all waiting bytes while its header is incomplete), for {@code SSLEngine.unwrap} after
     * the handshake; valid until the next call on this object. One record per unwrap, as the {@code SSLEngine}
     * contract reads: Netty's OpenSSL engine hands BoringSSL every record it is given in one {@code SSL_read}, and
     * BoringSSL fails with TOO_MANY_KEY_UPDATES after 32 key updates in one {@code SSL_read} without data between.
     */
    ByteBuffer record() {
        int length = buf.readableBytes();
        if (length >= RECORD_HEADER) {
            length = Math.min(length, RECORD_HEADER + buf.getUnsignedShort(buf.readerIndex() + 3));
        }
        return buf.internalNioBuffer(buf.readerIndex(), length);
    }

    /** The engine took {@code n} bytes. */
    void consumed(int n) {
        buf.skipBytes(n);
        if (!buf.isReadable()) {
            release();
        }
    }

    /**
     * Reads from {@code socket} behind the waiting bytes, with room for {@code size} bytes in all (at least a record).
     *
     * @return what {@link TransportSocket#read} returned
     */
    int fill(TransportSocket socket, int size) throws IOException {
        if (buf == null) {
            buf = allocator.directBuffer(size);
        } else {
            buf.discardReadBytes();
            buf.ensureWritable(size - buf.readableBytes());
        }
        int n;
        try {
            n = socket.read(buf);
        } catch (IOException | RuntimeException e) {
            releaseIfEmpty();
            throw e;
        }
        if (n > 0) {
            buf.writerIndex(buf.writerIndex() + n);
            underflow = false;
        } else {
            releaseIfEmpty();
        }
        return n;
    }

    /**
     * Starts with ciphertext another TLS implementation read and did not unwrap (a partial record, say): copied into a
     * buffer of this object's own with room for one record, and released.
     */
    void preload(ByteBuf leftover, int recordSize) {
        try {
            if (leftover.isReadable()) {
                buf = allocator.directBuffer(Math.max(recordSize, leftover.readableBytes()));
                buf.writeBytes(leftover);
            }
        } finally {
            leftover.release();
        }
    }

    private void releaseIfEmpty() {
        if (buf != null && !buf.isReadable()) {
            release();
        }
    }

    /** Drops the waiting bytes. Idempotent. */
    void release() {
        if (buf != null) {
            buf.release();
            buf = null;
        }
        underflow = false;
    }
}
