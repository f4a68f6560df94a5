package io.gaio.unix;

import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Limits;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;

/**
 * Non-blocking reads and writes straight between a descriptor and buffers' native memory, on the calling thread:
 * the raw I/O of every native transport. Heap and composite buffers go through a per-thread bounce buffer, since
 * Netty's raw calls take native memory only.
 *
 * <p>Reads are {@code recv} and single-buffer writes {@code send}, as in Netty's own channels, not {@code read} and
 * {@code writev}: the socket calls skip the file layer ({@code fdget_pos}, {@code vfs_read}/{@code vfs_writev}),
 * which took about 6% of the server's CPU in a 10,000-connection echo profile. Gathered writes stay {@code writev}.
 */
public final class SocketIo {
    /** Gathering writes, one native iovec array per loop thread, freed when the thread ends. */
    private static final FastThreadLocal<IovArray> IOV = new FastThreadLocal<>() {
        @Override
        protected IovArray initialValue() {
            return new IovArray(Limits.IOV_MAX);
        }

        @Override
        protected void onRemoval(IovArray iov) {
            iov.release();
        }
    };
    /** The most one read or write moves through the bounce buffer. */
    static final int BOUNCE_SIZE = 64 * 1024;
    /** Netty's raw calls take native memory only: heap and composite buffers are copied through this, per thread. */
    private static final FastThreadLocal<ByteBuffer> BOUNCE = new FastThreadLocal<>() {
        @Override
        protected ByteBuffer initialValue() {
            return ByteBuffer.allocateDirect(BOUNCE_SIZE);
        }
    };

    /**
     * Reads now into {@code dst} from its writer index, without moving the index.
     *
     * @param socket a non-blocking socket
     * @param dst    the buffer to read into
     * @return the number of bytes read, {@code 0} when the read would block, {@code -1} at the end of the stream
     * @throws IOException the socket's error
     */
    public static int read(Socket socket, ByteBuf dst) throws IOException {
        int index = dst.writerIndex();
        int length = dst.writableBytes();
        try {
            if (dst.hasMemoryAddress()) {
                return socket.recvAddress(dst.memoryAddress(), index, index + length);
            }
            if (dst.isDirect() && dst.nioBufferCount() == 1) {
                ByteBuffer nio = dst.internalNioBuffer(index, length);
                return socket.recv(nio, nio.position(), nio.limit());
            }
            ByteBuffer bounce = BOUNCE.get();
            int n = socket.recv(bounce, 0, Math.min(length, bounce.capacity()));
            if (n > 0) {
                bounce.clear().limit(n);
                dst.setBytes(index, bounce);
            }
            return n;
        } catch (NotYetConnectedException e) {
            throw notConnected(e);
        }
    }

    /**
     * Writes now what the socket takes of {@code srcs[0..count)}, gathered, without moving reader indexes.
     *
     * @param socket a non-blocking socket
     * @param srcs   the buffers to write, in order
     * @param count  how many of {@code srcs} to write
     * @return the number of bytes written, {@code 0} when the write would block
     * @throws IOException the socket's error
     */
    public static long write(Socket socket, ByteBuf[] srcs, int count) throws IOException {
        try {
            ByteBuf first = srcs[0];
            if (count == 1 && first.hasMemoryAddress()) {
                int index = first.readerIndex();
                return socket.sendAddress(first.memoryAddress(), index, index + first.readableBytes());
            }
            IovArray iov = IOV.get();
            iov.clear();
            for (int i = 0; i < count && srcs[i].isDirect(); i++) {
                if (!iov.add(srcs[i], srcs[i].readerIndex(), srcs[i].readableBytes())) {
                    break;
                }
            }
            if (iov.count() > 0) {
                return socket.writevAddresses(iov.memoryAddress(0), iov.count());
            }
            // The first buffer is not in native memory: send what fits of it through the bounce buffer.
            ByteBuffer bounce = BOUNCE.get();
            int length = Math.min(first.readableBytes(), bounce.capacity());
            bounce.clear().limit(length);
            first.getBytes(first.readerIndex(), bounce);
            return socket.send(bounce, 0, length);
        } catch (NotYetConnectedException e) {
            throw notConnected(e);
        }
    }

    /** Netty reports ENOTCONN as an unchecked exception; the SPI wants the socket's error as an IOException. */
    private static SocketException notConnected(NotYetConnectedException e) {
        SocketException s = new SocketException("Socket is not connected");
        s.initCause(e);
        return s;
    }

    private SocketIo() {
    }
}
