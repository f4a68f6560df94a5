package io.gaio.conformance;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A Netty server on one event loop whose accepted channels run an {@code SslHandler} (when given a context) and then a
 * handler of the test's, for the tests that hand Netty channels over to a watcher. The channel type is the one the
 * transport under test takes over ({@link #forTransport}); the epoll and kqueue classes load only on their transports.
 */
final class NettyTlsServer implements AutoCloseable {
    private final MultiThreadIoEventLoopGroup group;
    private final Channel listener;
    private final Queue<Channel> accepted = new ConcurrentLinkedQueue<>();

    private NettyTlsServer(IoHandlerFactory io, Class<? extends ServerChannel> type, SslContext tls,
                           ByteBufAllocator allocator, Supplier<ChannelHandler> handler) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, io);
        try {
            listener = new ServerBootstrap()
                    .group(group)
                    .channel(type)
                    .childOption(ChannelOption.ALLOCATOR, allocator)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            accepted.add(ch);
                            if (tls != null) {
                                ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(handler.get());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw e;
        }
    }

    /**
     * A server of the Netty channel type {@code transport} takes over, or null when it takes none (io_uring: Netty
     * cannot close an {@code IoUringSocketChannel} taken off its loop, README).
     */
    static NettyTlsServer forTransport(String transport, SslContext tls, ByteBufAllocator allocator,
                                       Supplier<ChannelHandler> handler) throws InterruptedException {
        switch (transport) {
            case "nio":
                return nio(tls, allocator, handler);
            case "epoll":
                return new NettyTlsServer(EpollIoHandler.newFactory(), EpollServerSocketChannel.class, tls, allocator,
                        handler);
            case "kqueue":
                return new NettyTlsServer(KQueueIoHandler.newFactory(), KQueueServerSocketChannel.class, tls,
                        allocator, handler);
            default:
                return null;
        }
    }

    /** A server on Netty's NIO transport, which runs everywhere. */
    static NettyTlsServer nio(SslContext tls, ByteBufAllocator allocator, Supplier<ChannelHandler> handler)
            throws InterruptedException {
        return new NettyTlsServer(NioIoHandler.newFactory(), NioServerSocketChannel.class, tls, allocator, handler);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /**
     * Closes the channels Netty still has, then the listener, and shuts the event loop down. (A shutdown alone does not
     * always close the channels on the loop: ARCHITECTURE, "Traps found".)
     */
    @Override
    public void close() {
        for (Channel ch : accepted) {
            if (ch.isOpen()) {
                ch.close().awaitUninterruptibly();
            }
        }
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
