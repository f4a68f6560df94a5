package io.gaio.tls;

import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Ciphertext wrapped and not yet handed to the kernel, in a pooled buffer held only while bytes wait. A
 * completion-based transport may hold the buffer ({@link TransportSocket#IN_FLIGHT}); nothing is added to it then,
 * and after {@link #close()} it is released only once the transport gave it back.
 */
final class CipherOut {
    private final ByteBufAllocator allocator;
    private final ByteBuf[] one = new ByteBuf[1];
    private ByteBuf buf;
    /** The transport holds {@link #buf}: the next write call collects the outcome. */
    private boolean lent;
    private boolean closed;

    CipherOut(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    boolean isPending() {
        return buf != null;
    }

    /** Whether the transport holds the bytes: nothing may be added until it gives them back. */
    boolean isLent() {
        return lent;
    }

    /** Room for at least {@code size} bytes behind the waiting ones, for {@code SSLEngine.wrap}. Not while lent. */
    ByteBuffer room(int size) {
        if (buf == null) {
            buf = allocator.directBuffer(size);
        } else {
            buf.ensureWritable(size);
        }
        return buf.internalNioBuffer(buf.writerIndex(), buf.writableBytes());
    }

    /** The engine wrote {@code n} bytes into {@link #room}. */
    void produced(int n) {
        buf.writerIndex(buf.writerIndex() + n);
        if (!buf.isReadable()) {
            release();
        }
    }

    /**
     * Hands the waiting bytes to {@code socket} as far as it takes them.
     *
     * @return whether nothing waits any more; when not, the socket reports writable readiness later
     */
    boolean flush(TransportSocket socket) throws IOException {
        while (buf != null) {
            long n;
            one[0] = buf;
            try {
                n = socket.write(one, 1);
            } catch (IOException | RuntimeException e) {
                lent = false;
                if (closed) {
                    // The transport gave the buffer back with an error (EPIPE from a peer gone): nobody else will.
                    release();
                }
                throw e;
            } finally {
                one[0] = null;
            }
            if (n == TransportSocket.IN_FLIGHT) {
                lent = true;
                return false;
            }
            lent = false;
            if (closed) {
                release();
                return true;
            }
            if (n == 0) {
                return false;
            }
            buf.skipBytes((int) n);
            if (!buf.isReadable()) {
                release();
            }
        }
        return true;
    }

    /** Drops the waiting bytes, now or, when the transport holds them, once {@link #flush} collects them. */
    void close() {
        closed = true;
        if (!lent) {
            release();
        }
    }

    private void release() {
        if (buf != null) {
            buf.release();
            buf = null;
        }
    }
}
