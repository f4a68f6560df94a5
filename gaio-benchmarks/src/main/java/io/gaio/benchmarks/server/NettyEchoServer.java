package io.gaio.benchmarks.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The baseline: Netty 4.2's echo server on native epoll, the way Netty's own example writes it ({@code ctx.write} in
 * {@code channelRead}, with the void promise a tuned server passes; {@code ctx.flush} in {@code channelReadComplete}),
 * with the pooled allocator (Netty 4.2's default is the adaptive one). One event loop thread accepts and serves every
 * connection. Over TLS, each connection's pipeline starts with the context's {@link SslHandler} (its defaults, as
 * {@code SslContext.newHandler} makes it), before the same echo handler.
 */
public final class NettyEchoServer implements EchoServer {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final ChannelHandler childHandler;
    /** The open connections, closed (and their pipelines torn down) before the loop stops. */
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private Channel listener;

    /** The plain TCP echo server. */
    public NettyEchoServer() {
        this(null);
    }

    /**
     * The echo server, over TLS unless {@code tls} is {@code null}.
     *
     * @param tls a server context ({@link BenchTls#serverContext}), or {@code null} for plain TCP
     */
    public NettyEchoServer(SslContext tls) {
        this.childHandler = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                if (tls != null) {
                    ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(Echo.INSTANCE);
            }
        };
    }

    @Override
    public InetSocketAddress start(InetSocketAddress address) {
        listener = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(childHandler)
                .bind(address).syncUninterruptibly().channel();
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public long extraDirectMemory() {
        return Math.max(0, PlatformDependent.usedDirectMemory());
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        // Closed on their loop first, so that each pipeline is torn down (SslHandler's decoder releases what it
        // accumulated) before the loop stops: the smoke tests saw an SslHandler cumulation leak now and then.
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Writes back what it reads; flushes once per read batch. */
    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
