package io.gaio.epoll;

import static io.gaio.epoll.EpollDelegationTest.next;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * gaio's own acceptor: native listen and accept, SO_REUSEPORT load balancing over several acceptors, each feeding
 * its own watcher (one per core, in a real server), and connections handed over without duplicating descriptors.
 */
@Timeout(60)
class EpollAcceptorTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    /**
     * Two acceptors on one port with reusePort, each feeding its own watcher: the kernel spreads 200 connections
     * (from varied source addresses and ports) over both, and every connection echoes through the watcher of the
     * acceptor that got it.
     */
    @Test
    void reusePortSpreadsConnectionsOverAcceptorsAndTheirWatchers() throws Exception {
        int connections = 200;
        try (Watcher wa = Watcher.builder().transport("epoll").build();
             Watcher wb = Watcher.builder().transport("epoll").build();
             WatcherEcho echoA = new WatcherEcho(wa, "echo-a");
             WatcherEcho echoB = new WatcherEcho(wb, "echo-b")) {
            EpollAcceptor a = EpollAcceptor.open(wa.eventLoop(), ANY_LOOPBACK_PORT, 256, true);
            EpollAcceptor b = EpollAcceptor.open(wb.eventLoop(), a.localAddress(), 256, true);
            assertEquals(a.localAddress(), b.localAddress());
            List<EpollConnection> acceptedA = new ArrayList<>();
            List<EpollConnection> acceptedB = new ArrayList<>();
            CompletableFuture<Void> loopA = acceptInto(a, echoA, acceptedA);
            CompletableFuture<Void> loopB = acceptInto(b, echoB, acceptedB);

            try {
                echoThroughFreshConnections(a.localAddress(), connections);
                awaitTrue(() -> echoA.ended.get() + echoB.ended.get() == connections, "every connection ended");
            } finally {
                a.close();
                b.close();
            }
            loopA.get(10, TimeUnit.SECONDS);
            loopB.get(10, TimeUnit.SECONDS);

            assertEquals(connections, acceptedA.size() + acceptedB.size());
            assertTrue(acceptedA.size() > 0 && acceptedB.size() > 0,
                    "the kernel spreads connections over both acceptors: " + acceptedA.size() + " + "
                            + acceptedB.size());
            // Each watcher served exactly the connections of its own acceptor.
            assertEquals(new HashSet<>(acceptedA), echoA.served);
            assertEquals(new HashSet<>(acceptedB), echoB.served);
            assertTrue(echoA.failures.isEmpty() && echoB.failures.isEmpty(), echoA.failures + " " + echoB.failures);
            for (EpollConnection c : acceptedA) {
                assertFalse(c.isOpen(), "handed over to the watcher");
            }
        }
    }

    /** Connects {@code n} times, one connection after the other, each echoing one message of a random size. */
    private static void echoThroughFreshConnections(InetSocketAddress server, int n) throws IOException {
        Random random = new Random(7);
        for (int i = 0; i < n; i++) {
            try (SocketChannel client = SocketChannel.open()) {
                // Varied sources, as real clients have: 127.0.0.1 .. 127.0.0.20, ephemeral ports.
                client.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i % 20)}),
                        0));
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                client.connect(server);
                byte[] message = new byte[1 + random.nextInt(4096)];
                random.nextBytes(message);
                assertArrayEquals(message, WatcherEcho.roundTrip(client, message), "echo " + i);
            }
        }
    }

    /** Accepts until the acceptor closes, hands each connection to the echo server's watcher. */
    private static CompletableFuture<Void> acceptInto(EpollAcceptor acceptor, WatcherEcho echo,
                                                      List<EpollConnection> accepted) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    EpollConnection c = acceptor.accept();
                    assertEquals(acceptor.localAddress(), c.localAddress());
                    synchronized (accepted) {
                        accepted.add(c);
                    }
                    echo.serve(c);
                }
            } catch (ClosedChannelException closed) {
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "accept " + acceptor);
        t.setDaemon(true);
        t.start();
        return done;
    }

    @Test
    void secondListenerWithoutReusePortIsRefused() throws Exception {
        try (Watcher w = Watcher.builder().transport("epoll").build();
             EpollAcceptor first = EpollAcceptor.open(w.eventLoop(), ANY_LOOPBACK_PORT, 16, false)) {
            long before = openDescriptors();
            BindException e = assertThrows(BindException.class,
                    () -> EpollAcceptor.open(w.eventLoop(), first.localAddress(), 16, false));
            assertTrue(e.getMessage().contains(first.localAddress().toString())
                    && e.getMessage().contains("reusePort true"), e.getMessage());
            // Setting it on the second alone is not enough either: the first did not agree to share.
            e = assertThrows(BindException.class,
                    () -> EpollAcceptor.open(w.eventLoop(), first.localAddress(), 16, true));
            assertTrue(e.getMessage().contains("SO_REUSEPORT"), e.getMessage());
            assertEquals(before, openDescriptors(), "a failed open closes its socket");
        }
    }

    /** The watcher takes the accepted descriptor itself: no duplicate, so one descriptor per connection. */
    @Test
    void handOverKeepsTheDescriptorWithoutDuplicating() throws Exception {
        try (Watcher w = Watcher.builder().transport("epoll").build();
             EpollAcceptor acceptor = EpollAcceptor.open(w.eventLoop(), ANY_LOOPBACK_PORT, 16, false);
             SocketChannel client = SocketChannel.open(acceptor.localAddress())) {
            EpollConnection c = acceptor.accept();
            assertEquals(client.getLocalAddress(), c.remoteAddress());
            assertEquals(client.getRemoteAddress(), c.localAddress());
            long withConnection = openDescriptors();
            ByteBuf in = Unpooled.directBuffer(16);
            try {
                w.read("r", c, in);
                client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                OpResult r = next(w);
                assertNull(r.error());
                assertEquals(3, r.size());
                assertFalse(c.isOpen(), "the watcher owns the descriptor now");
                c.close();   // harmless after the hand-over
                assertEquals(withConnection, openDescriptors(), "the same descriptor, not a copy");
                w.free(c);
                client.socket().setSoTimeout(5000);
                assertEquals(-1, client.socket().getInputStream().read(), "free closed the one descriptor");
                awaitTrue(() -> openDescriptors() == withConnection - 1, "descriptor closed");
            } finally {
                in.release();
            }
        }
    }

    @Test
    void closingAnUnhandedConnectionClosesTheSocket() throws Exception {
        try (Watcher w = Watcher.builder().transport("epoll").build();
             EpollAcceptor acceptor = EpollAcceptor.open(w.eventLoop(), ANY_LOOPBACK_PORT, 16, false);
             SocketChannel client = SocketChannel.open(acceptor.localAddress())) {
            EpollConnection c = acceptor.accept();
            assertTrue(c.isOpen());
            c.close();
            c.close();
            assertFalse(c.isOpen());
            client.socket().setSoTimeout(5000);
            assertEquals(-1, client.socket().getInputStream().read());
            w.read(null, c, null);
            assertEquals(io.gaio.ConnectionClosedException.class, next(w).error().getClass(),
                    "a closed connection cannot be handed over");
        }
    }

    @Test
    void closeWakesWaitingThreadsAndLaterAcceptsFail() throws Exception {
        try (Watcher w = Watcher.builder().transport("epoll").build()) {
            EpollAcceptor acceptor = EpollAcceptor.open(w.eventLoop(), ANY_LOOPBACK_PORT, 16, false);
            CompletableFuture<EpollConnection> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return acceptor.accept();
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(200);
            assertFalse(waiting.isDone(), "accept waits for a connection");
            acceptor.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
            assertEquals(AsynchronousCloseException.class, e.getCause().getCause().getClass());
            assertThrows(ClosedChannelException.class, acceptor::accept);
            assertFalse(acceptor.isOpen());
            acceptor.close();
            // The descriptor is closed on the event loop, shortly after.
            awaitTrue(() -> refusesConnections(acceptor.localAddress()), "nobody listens any more");
        }
    }

    /**
     * Shutting down the group the acceptor is registered with closes it and wakes its waiting threads, also when the
     * shutdown comes right after the registration (Netty then ends the loop without closing its handles).
     */
    @RepeatedTest(20)
    void shuttingDownTheEventLoopClosesTheAcceptor() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EpollAcceptor acceptor;
        CompletableFuture<EpollConnection> waiting;
        try {
            acceptor = EpollAcceptor.open(group, ANY_LOOPBACK_PORT, 16, true);
            waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return acceptor.accept();
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getCause() instanceof ClosedChannelException, e.toString());
        assertFalse(acceptor.isOpen());
        assertThrows(ClosedChannelException.class, acceptor::accept);
        awaitTrue(() -> refusesConnections(acceptor.localAddress()), "nobody listens any more");
    }

    @Test
    void refusesAnEventLoopThatDoesNotRunEpoll() {
        MultiThreadIoEventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EpollAcceptor.open(nio, ANY_LOOPBACK_PORT, 16, false));
            assertTrue(e.getMessage().contains("EpollIoHandler"), e.getMessage());
        } finally {
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Many threads accept from one acceptor at once; every connection goes to exactly one of them. */
    @Test
    void severalThreadsAcceptFromOneAcceptor() throws Exception {
        int connections = 64;
        try (Watcher w = Watcher.builder().transport("epoll").build()) {
            EpollAcceptor acceptor = EpollAcceptor.open(w.eventLoop(), ANY_LOOPBACK_PORT, 128, false);
            AtomicInteger accepted = new AtomicInteger();
            List<CompletableFuture<Void>> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(CompletableFuture.runAsync(() -> {
                    try {
                        while (true) {
                            EpollConnection c = acceptor.accept();
                            accepted.incrementAndGet();   // before the close that the client waits for
                            c.close();
                        }
                    } catch (ClosedChannelException closed) {
                        // done
                    } catch (IOException | InterruptedException e) {
                        throw new RuntimeException(e);
                    }
                }, runnable -> {
                    Thread thread = new Thread(runnable);
                    thread.setDaemon(true);
                    thread.start();
                }));
            }
            try {
                for (int i = 0; i < connections; i++) {
                    try (SocketChannel client = SocketChannel.open(acceptor.localAddress())) {
                        client.socket().setSoTimeout(5000);
                        assertEquals(-1, client.socket().getInputStream().read(), "accepted and closed");
                    }
                }
                assertEquals(connections, accepted.get());
            } finally {
                acceptor.close();
            }
            for (CompletableFuture<Void> t : threads) {
                t.get(5, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean refusesConnections(InetSocketAddress address) {
        try {
            SocketChannel.open(address).close();
            return false;
        } catch (IOException refused) {
            return true;
        }
    }

    static long openDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " did not happen within 10 s");
            }
            Thread.sleep(5);
        }
    }
}
