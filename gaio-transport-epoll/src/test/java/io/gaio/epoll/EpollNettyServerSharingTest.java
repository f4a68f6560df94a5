package io.gaio.epoll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.Listener;
import io.gaio.Watcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A watcher on an event loop of an application's {@code MultiThreadIoEventLoopGroup(EpollIoHandler)} that also
 * serves a Netty server: both echo correctly under concurrent load while sharing the loops, and the Netty server
 * keeps serving after the watcher is closed. (Watchers alone on a supplied group are in the conformance suite's
 * SharedEventLoopTest.)
 */
@Timeout(60)
class EpollNettyServerSharingTest {
    private static final int CLIENTS_EACH = 24;
    private static final int ROUNDS = 16;

    @Test
    void watcherAndNettyServerShareOneGroup() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        Set<EventLoop> nettyChildLoops = ConcurrentHashMap.newKeySet();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            Channel nettyServer = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                        @Override
                        protected void initChannel(EpollSocketChannel ch) {
                            nettyChildLoops.add(ch.eventLoop());
                            ch.pipeline().addLast(new Echo());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            SocketAddress nettyAddress = nettyServer.localAddress();

            Watcher watcher = Watcher.builder().eventLoop(group).build();
            assertEquals("epoll", watcher.transport(), "the group's handler picks the transport");
            try (WatcherEcho echo = new WatcherEcho(watcher, "gaio-echo");
                 Listener listener = watcher.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                echo.accept(listener);
                try {
                    // Both servers under load at once, from the same client threads.
                    List<CompletableFuture<Void>> runs = new ArrayList<>();
                    for (int i = 0; i < CLIENTS_EACH; i++) {
                        runs.add(CompletableFuture.runAsync(echoClient(nettyAddress, 1000 + i), clients));
                        runs.add(CompletableFuture.runAsync(echoClient(listener.localAddress(), 2000 + i), clients));
                    }
                    CompletableFuture.allOf(runs.toArray(new CompletableFuture<?>[0])).get(40, TimeUnit.SECONDS);
                    assertTrue(nettyChildLoops.contains(watcher.eventLoop()),
                            "some Netty connections ran on the watcher's own event loop");
                    awaitTrue(() -> echo.ended.get() == CLIENTS_EACH, "gaio connections ended");
                    assertTrue(echo.failures.isEmpty(), echo.failures.toString());
                } finally {
                    listener.close();
                }
            }

            // The watcher is closed; the group and the Netty server go on.
            assertFalse(group.isShuttingDown());
            echoClient(nettyAddress, 3000).run();
            nettyServer.close().sync();
        } finally {
            clients.shutdownNow();
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    /** A client that sends {@link #ROUNDS} messages of random sizes and checks each echo. */
    private static Runnable echoClient(SocketAddress server, long seed) {
        return () -> {
            Random random = new Random(seed);
            try (SocketChannel client = SocketChannel.open(server)) {
                for (int r = 0; r < ROUNDS; r++) {
                    byte[] message = new byte[1 + random.nextInt(16 * 1024)];
                    random.nextBytes(message);
                    assertArrayEquals(message, WatcherEcho.roundTrip(client, message),
                            "echo from " + server + ", round " + r);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };
    }

    /** Netty's side: writes back whatever it reads. */
    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
