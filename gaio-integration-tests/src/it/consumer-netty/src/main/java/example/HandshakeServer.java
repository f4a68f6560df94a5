package example;

import io.gaio.Watcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.SocketAddress;

/** A Netty server whose connections do the {@link HandshakeHandler} handshake and then belong to a gaio watcher. */
public final class HandshakeServer {
    private HandshakeServer() {
    }

    /**
     * Binds the server.
     *
     * @param group   a group created with {@code EpollIoHandler.newFactory()}, which the watcher may share
     * @param watcher the watcher that serves the connections after the handshake
     * @param address where to listen
     * @return the server channel; close it to stop accepting
     */
    public static Channel bind(IoEventLoopGroup group, Watcher watcher, SocketAddress address)
            throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel ch) {
                        ch.pipeline().addLast(new HandshakeHandler(watcher));
                    }
                })
                .bind(address).sync().channel();
    }
}
