package io.gaio.iouring;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.UnsupportedConnectionException;
import io.gaio.Watcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Netty {@link IoUringSocketChannel} handed to an io_uring watcher is refused at submission with an exception that
 * names what the transport takes, and stays Netty's, open and working: taking it over would need Netty to close it
 * off its ring, which it cannot (see {@link IoUringTransportProvider}).
 */
@Timeout(30)
class IoUringDelegationTest {
    private final BlockingQueue<IoUringSocketChannel> accepted = new LinkedBlockingQueue<>();
    private MultiThreadIoEventLoopGroup nettyGroup;
    private Channel nettyListener;

    @BeforeEach
    void listen() throws Exception {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable here: " + IoUring.unavailabilityCause());
        nettyGroup = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        nettyListener = new ServerBootstrap()
                .group(nettyGroup)
                .channel(IoUringServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<IoUringSocketChannel>() {
                    @Override
                    protected void initChannel(IoUringSocketChannel ch) {
                        accepted.add(ch);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        if (nettyGroup != null) {
            nettyListener.close().sync();
            nettyGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void nettyIoUringChannelsAreRefusedAndLeftToNetty() throws Exception {
        try (Watcher watcher = Watcher.builder().transport("io_uring").build();
             SocketChannel client = SocketChannel.open(nettyListener.localAddress())) {
            IoUringSocketChannel server = accepted.poll(10, TimeUnit.SECONDS);
            UnsupportedConnectionException e = assertThrows(UnsupportedConnectionException.class,
                    () -> watcher.read("r1", server, null));
            assertTrue(e.getMessage().contains("java.nio.channels.SocketChannel"), e.getMessage());
            assertTrue(server.isOpen() && server.isRegistered(), "the channel stays Netty's");
            server.writeAndFlush(Unpooled.wrappedBuffer("still Netty's".getBytes(US_ASCII))).sync();
            assertEquals("still Netty's", readAscii(client, 13));
        }
    }

    private static String readAscii(SocketChannel client, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (client.read(buf) < 0) {
                throw new IOException("EOF after " + buf.position() + " bytes");
            }
        }
        return new String(buf.array(), US_ASCII);
    }
}
