package io.gaio.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Netty {@link NioSocketChannel}, connected by a Netty bootstrap, is handed to a watcher: the watcher takes it off
 * Netty's event loop and its reads and writes then go through the watcher.
 */
@Timeout(60)
class NettyChannelDelegationTest {

    @Test
    void nettyChannelIsTakenOffItsLoopAndServedByTheWatcher() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocketChannel server = ServerSocketChannel.open();
             Watcher watcher = Watcher.builder().transport("nio").build()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Channel netty = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.getLocalAddress()).sync().channel();
            try (SocketChannel peer = server.accept()) {
                ByteBuf hello = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
                watcher.write("w", netty, hello);
                watcher.read("r", netty, null);
                OpResult written = next(watcher);
                assertEquals(Operation.WRITE, written.operation());
                assertNull(written.error());
                assertSame(netty, written.connection());
                assertEquals(5, written.size());
                hello.release();

                ByteBuffer got = ByteBuffer.allocate(5);
                while (got.hasRemaining()) {
                    peer.read(got);
                }
                assertEquals("hello", new String(got.array(), StandardCharsets.US_ASCII));
                peer.write(ByteBuffer.wrap("world".getBytes(StandardCharsets.US_ASCII)));

                OpResult read = next(watcher);
                assertEquals(Operation.READ, read.operation());
                assertNull(read.error());
                assertSame(netty, read.connection());
                assertTrue(read.isSwapBuffer());
                assertEquals("world", read.buffer().toString(StandardCharsets.US_ASCII));
                assertTrue(!netty.isRegistered(), "the Netty channel was deregistered from its own loop");
            }
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    private static OpResult next(Watcher watcher) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<OpResult> results = new ArrayList<>();
        while (results.isEmpty() && System.nanoTime() < end) {
            results.addAll(watcher.waitIO(Duration.ofMillis(100)));
        }
        assertEquals(1, results.size(), "one completion expected, got " + results);
        return results.get(0);
    }
}
