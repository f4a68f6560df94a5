package io.gaio.nio;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoEvent;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoOps;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A JDK socket channel registered with a Netty NIO event loop. Selectors are level-triggered: the interest set
 * follows the engine's pending requests, and while a connect is under way the engine's wish to write means
 * OP_CONNECT.
 */
final class NioSocket implements TransportSocket, NioIoHandle {
    /** Scratch for gathering writes, one per loop thread, so that idle sockets hold no array. */
    private static final ThreadLocal<ByteBuffer[]> GATHER = ThreadLocal.withInitial(() -> new ByteBuffer[64]);

    private final SocketChannel channel;
    private final ReadinessListener listener;
    private IoRegistration registration;

    NioSocket(SocketChannel channel, ReadinessListener listener) {
        this.channel = channel;
        this.listener = listener;
    }

    @Override
    public SelectableChannel selectableChannel() {
        return channel;
    }

    @Override
    public void attach(IoRegistration registration) {
        this.registration = registration;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        int ready = ((NioIoEvent) event).ops().value();
        listener.onReadiness((ready & SelectionKey.OP_READ) != 0,
                (ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0);
    }

    @Override
    public void interest(boolean read, boolean write) {
        if (channel.isConnectionPending()) {
            registration.submit(NioIoOps.CONNECT);
            return;
        }
        registration.submit(read ? (write ? NioIoOps.READ_AND_WRITE : NioIoOps.READ)
                : (write ? NioIoOps.WRITE : NioIoOps.NONE));
    }

    @Override
    public int read(ByteBuf dst) throws IOException {
        if (dst.nioBufferCount() == 1) {
            return channel.read(dst.internalNioBuffer(dst.writerIndex(), dst.writableBytes()));
        }
        // A composite buffer: scatter over its components.
        return (int) channel.read(dst.nioBuffers(dst.writerIndex(), dst.writableBytes()));
    }

    @Override
    public long write(ByteBuf[] srcs, int count) throws IOException {
        if (count == 1 && srcs[0].nioBufferCount() == 1) {
            ByteBuf src = srcs[0];
            return channel.write(src.internalNioBuffer(src.readerIndex(), src.readableBytes()));
        }
        ByteBuffer[] gather = GATHER.get();
        int n = 0;
        for (int i = 0; i < count; i++) {
            ByteBuf src = srcs[i];
            for (ByteBuffer part : src.nioBuffers(src.readerIndex(), src.readableBytes())) {
                if (n == gather.length) {
                    break;
                }
                gather[n++] = part;
            }
        }
        try {
            return channel.write(gather, 0, n);
        } finally {
            java.util.Arrays.fill(gather, 0, n, null);
        }
    }

    @Override
    public void bind(InetSocketAddress local) throws IOException {
        channel.bind(local);
    }

    @Override
    public boolean connect(InetSocketAddress remote) throws IOException {
        return channel.connect(remote);
    }

    @Override
    public boolean finishConnect() throws IOException {
        return channel.finishConnect();
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        channel.setOption(option, value);
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return channel.getOption(option);
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        return (InetSocketAddress) channel.getRemoteAddress();
    }

    @Override
    public void close() throws IOException {
        if (registration != null) {
            registration.cancel();
        }
        channel.close();
    }
}
