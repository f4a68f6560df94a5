package io.gaio.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.unix.Socket;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Registration and close on a real kqueue loop, where kqueue runs: nothing a closed socket asked for reaches the next
 * file with its number, and a change the kernel refuses is never reported. Netty's loop says "had no registration"
 * for an event whose registration is gone; its log is watched through {@code java.util.logging}, Netty's logger when
 * no other logging library is on the class path.
 */
@Timeout(30)
class KQueueLoopTest {
    /** How long the loop gets to apply changes and report what follows from them. */
    private static final long SETTLE_MILLIS = 300;
    /** Held, so that Netty's logger is this one. */
    private static final Logger NETTY_LOG = Logger.getLogger(KQueueIoHandler.class.getName());
    private static MultiThreadIoEventLoopGroup group;
    private static IoEventLoop loop;
    private static ServerSocketChannel server;

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** Skips each test with the cause where kqueue cannot run; starts the loop for the first. */
    @BeforeEach
    void startAndWatchNettysLog() throws Exception {
        KQueueAssume.kqueueRuns();
        assumeTrue(InternalLoggerFactory.getDefaultFactory() instanceof JdkLoggerFactory,
                () -> "Netty logs through " + InternalLoggerFactory.getDefaultFactory() + ", not java.util.logging");
        if (group == null) {
            group = new MultiThreadIoEventLoopGroup(1, KQueueIoHandler.newFactory());
            loop = group.next();
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        NETTY_LOG.addHandler(capture);
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            server.close();
        }
    }

    @AfterEach
    void stopWatching() {
        NETTY_LOG.removeHandler(capture);
    }

    /**
     * A socket registered and closed in one loop pass; the next socket, connected but not registered, gets its
     * number before the loop's next {@code kevent}. Without the EV_DELETEs, that call would add both filters to the
     * new socket with the closed one's udata, and each of its events would make Netty warn.
     */
    @Test
    void closedInThePassItWasRegisteredLeavesNothingOnTheReusedNumber() throws Exception {
        InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
        List<String> readiness = new CopyOnWriteArrayList<>();
        Socket[] next = new Socket[1];
        int closedNumber = loop.submit(() -> {
            Socket closing = Socket.newSocketStream();
            KQueueSocket handle = new KQueueSocket(closing, (r, w) -> readiness.add(r + " " + w));
            register(handle);
            handle.close();
            next[0] = Socket.newSocketStream();
            next[0].connect(address);
            return closing.intValue();
        }).get(10, TimeUnit.SECONDS);
        try (SocketChannel accepted = server.accept()) {
            assumeTrue(next[0].intValue() == closedNumber, () -> "the next socket got descriptor "
                    + next[0].intValue() + ", not the closed one's " + closedNumber + " (a lower one was free)");
            accepted.write(ByteBuffer.wrap(new byte[] {1}));   // readable too
            settle();
        } finally {
            next[0].close();
        }
        assertEquals(List.of(), warnings, "Netty's warnings");
        assertEquals(List.of(), readiness, "the closed socket's readiness");
    }

    /**
     * A registered socket whose descriptor is closed behind its back: kevent refuses its EV_ADDs (EBADF) with EV_ERROR
     * events, which Netty drops. The socket hears nothing, and nobody else does.
     */
    @Test
    void refusedAddIsNeverReported() throws Exception {
        List<String> readiness = new CopyOnWriteArrayList<>();
        KQueueSocket handle = loop.submit(() -> {
            Socket socket = Socket.newSocketStream();
            KQueueSocket registered = new KQueueSocket(socket, (r, w) -> readiness.add(r + " " + w));
            register(registered);
            socket.close();   // before the loop's next kevent applies the EV_ADDs
            return registered;
        }).get(10, TimeUnit.SECONDS);
        settle();
        loop.submit(() -> {
            handle.close();
            return null;
        }).get(10, TimeUnit.SECONDS);
        settle();
        assertEquals(List.of(), readiness, "readiness of the socket whose EV_ADDs were refused");
        assertEquals(List.of(), warnings, "Netty's warnings");
    }

    /** Registers and attaches {@code handle} as the engine does, on the loop thread, where both happen at once. */
    private static void register(KQueueSocket handle) {
        handle.attach(loop.register(handle).syncUninterruptibly().getNow());
    }

    /** Gives the loop time to apply its change list and handle what follows; a task after that proves it runs. */
    private static void settle() throws Exception {
        Thread.sleep(SETTLE_MILLIS);
        loop.submit(() -> null).get(10, TimeUnit.SECONDS);
    }
}
