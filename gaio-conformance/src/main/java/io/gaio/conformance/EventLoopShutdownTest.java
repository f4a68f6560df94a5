package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.gaio.spi.TransportProvider;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * A watcher on an application's event loop group that the application shuts down without closing the watcher first:
 * the watcher closes as if {@code close()} had been called. A thread in {@code waitIO()} gets
 * {@link WatcherClosedException} instead of waiting forever (a pending read may first fail, its socket closed by the
 * shutdown), later submissions are refused, and the sockets the watcher owned are closed, its listeners included.
 * Repeated, because Netty closes the handles of a loop that shuts down only when the loop sees the shutdown after an
 * I/O pass; a shutdown that arrives while it runs tasks ends it without.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventLoopShutdownTest extends TransportTestBase {

    @RepeatedTest(10)
    void shuttingDownTheGroupClosesTheWatcher() throws Exception {
        MultiThreadIoEventLoopGroup group = newGroup();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect()) {
            Watcher w = build(newWatcherBuilder().eventLoop(group));
            try {
                // Delegated first, so that the shutdown finds a socket on the loop and a read pending.
                sendAll(p.client, new byte[] {1});
                w.read(null, p.server, null);
                assertSuccess(awaitResult(w));
                w.read(null, p.server, null);
                CompletableFuture<Throwable> waiting = waitUntilClosed(w);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                assertInstanceOf(WatcherClosedException.class, waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS),
                        "what a thread waiting in waitIO() got when the event loop group was shut down");
                assertThrows(WatcherClosedException.class, () -> w.read(null, p.server, null));
                p.client.socket().setSoTimeout((int) WAIT.toMillis());
                assertEquals(-1, p.client.socket().getInputStream().read(),
                        "the peer of a socket the watcher owned sees the end of stream");
            } finally {
                w.close();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * The same with a listener of the watcher's and an accept pending on it: the listener ends with the watcher
     * (closed, its port free at once), and later accepts are refused.
     */
    @RepeatedTest(10)
    void shuttingDownTheGroupClosesTheWatchersListeners() throws Exception {
        MultiThreadIoEventLoopGroup group = newGroup();
        try {
            Watcher w = build(newWatcherBuilder().eventLoop(group));
            try {
                Listener l = w.listen(loopback(0));
                InetSocketAddress address = l.localAddress();
                w.accept(null, l);
                CompletableFuture<Throwable> waiting = waitUntilClosed(w);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                assertInstanceOf(WatcherClosedException.class, waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS),
                        "what a thread waiting in waitIO() got when the event loop group was shut down");
                // The thread in waitIO() learns of the close first; the listener closes right after.
                awaitCondition(() -> !l.isOpen() && canListenOn(address), WAIT,
                        () -> "the listener of a watcher whose event loop was shut down: " + l);
                assertThrows(WatcherClosedException.class, () -> w.accept(null, l));
            } finally {
                w.close();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** A one-thread event loop group of the transport under test. */
    private static MultiThreadIoEventLoopGroup newGroup() {
        TransportProvider provider = ServiceLoader.load(TransportProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals(transport().name())).findFirst()
                .orElseThrow();
        return new MultiThreadIoEventLoopGroup(1, provider.newIoHandlerFactory());
    }

    /**
     * A thread that calls {@code waitIO()} until it throws, and returns what it threw; pending requests may fail
     * first, their sockets closed by Netty's shutdown, but one that succeeds is returned as an AssertionError.
     */
    private static CompletableFuture<Throwable> waitUntilClosed(Watcher w) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                while (true) {
                    for (OpResult r : w.waitIO()) {
                        if (r.isSuccess()) {
                            return new AssertionError("a request succeeded with nothing to complete it: " + r);
                        }
                    }
                }
            } catch (Throwable t) {
                return t;
            }
        }, task -> {
            Thread t = new Thread(task, "waitIO");
            t.setDaemon(true);
            t.start();
        });
    }
}
