package io.gaio.epoll;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Limits;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;

/**
 * The watcher's own duplicate of a delegated socket, registered edge-triggered for both directions from
 * registration to close. Reads and writes go straight between the socket and the buffers' native memory.
 */
final class EpollSocket implements TransportSocket, EpollIoHandle {
    private static final System.Logger LOG = System.getLogger("io.gaio.epoll");

    /**
     * Both directions, edge-triggered: the engine drains until the socket would block, so the interest set never has
     * to change and an idle connection never wakes the loop.
     */
    private static final EpollIoOps OPS = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT)
            .with(EpollIoOps.EPOLLRDHUP).with(EpollIoOps.EPOLLET);
    /** Always reported by the kernel but not among Netty's public constants; the same on every Linux architecture. */
    private static final int EPOLLHUP = 0x10;
    private static final int READABLE = EpollIoOps.EPOLLIN.value() | EpollIoOps.EPOLLRDHUP.value()
            | EpollIoOps.EPOLLERR.value() | EPOLLHUP;
    private static final int WRITABLE = EpollIoOps.EPOLLOUT.value() | EpollIoOps.EPOLLERR.value() | EPOLLHUP;

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
    /** Netty's raw calls take native memory only: heap and composite buffers are copied through this, per thread. */
    private static final FastThreadLocal<ByteBuffer> BOUNCE = new FastThreadLocal<>() {
        @Override
        protected ByteBuffer initialValue() {
            return ByteBuffer.allocateDirect(64 * 1024);
        }
    };

    private final LinuxSocket socket;
    private final ReadinessListener listener;
    private IoRegistration registration;
    /** Why epoll refused the socket; reported by every read and write, since attach() cannot fail. */
    private RuntimeException refused;

    EpollSocket(LinuxSocket socket, ReadinessListener listener) {
        this.socket = socket;
        this.listener = listener;
    }

    /** The duplicate this socket owns. */
    @Override
    public LinuxSocket fd() {
        return socket;
    }

    @Override
    public void attach(IoRegistration registration) {
        this.registration = registration;
        try {
            registration.submit(OPS);
        } catch (RuntimeException e) {
            // epoll_ctl failed, e.g. ENOSPC at fs.epoll.max_user_watches: the first request surfaces it.
            refused = e;
        }
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        // Anything escaping here makes Netty log it and pause the whole loop for about a second.
        try {
            int ready = ((EpollIoEvent) event).ops().value();
            listener.onReadiness((ready & READABLE) != 0, (ready & WRITABLE) != 0);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "gaio: unexpected error while handling an epoll event", t);
        }
    }

    @Override
    public void interest(boolean read, boolean write) {
        // Edge-triggered for both directions since attach(): nothing to change.
    }

    @Override
    public int read(ByteBuf dst) throws IOException {
        checkAdded();
        int index = dst.writerIndex();
        int length = dst.writableBytes();
        try {
            if (dst.hasMemoryAddress()) {
                return socket.readAddress(dst.memoryAddress(), index, index + length);
            }
            if (dst.isDirect() && dst.nioBufferCount() == 1) {
                ByteBuffer nio = dst.internalNioBuffer(index, length);
                return socket.read(nio, nio.position(), nio.limit());
            }
            ByteBuffer bounce = BOUNCE.get();
            int n = socket.read(bounce, 0, Math.min(length, bounce.capacity()));
            if (n > 0) {
                bounce.clear().limit(n);
                dst.setBytes(index, bounce);
            }
            return n;
        } catch (NotYetConnectedException e) {
            throw notConnected(e);
        }
    }

    @Override
    public long write(ByteBuf[] srcs, int count) throws IOException {
        checkAdded();
        try {
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
            ByteBuf src = srcs[0];
            ByteBuffer bounce = BOUNCE.get();
            int length = Math.min(src.readableBytes(), bounce.capacity());
            bounce.clear().limit(length);
            src.getBytes(src.readerIndex(), bounce);
            return socket.write(bounce, 0, length);
        } catch (NotYetConnectedException e) {
            throw notConnected(e);
        }
    }

    @Override
    public void close() throws IOException {
        if (registration != null) {
            // On the loop thread this removes the socket from epoll at once, before its number can be reused.
            registration.cancel();
        }
        socket.close();
    }

    @Override
    public String toString() {
        return "EpollSocket(fd " + socket.intValue() + ")";
    }

    private void checkAdded() throws IOException {
        if (refused != null) {
            throw new IOException("epoll refused the socket: " + refused.getMessage(), refused);
        }
    }

    /** Netty reports ENOTCONN as an unchecked exception; the SPI wants the socket's error as an IOException. */
    private static SocketException notConnected(NotYetConnectedException e) {
        SocketException s = new SocketException("Socket is not connected");
        s.initCause(e);
        return s;
    }
}
