package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.channel.Channel;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HandshakeServerTest {
    private static final int CLIENTS = 4;
    private static final int ROUNDS = 20;

    private MultiThreadIoEventLoopGroup group;
    private Watcher watcher;
    private Channel server;
    private Thread echo;
    private final CountDownLatch ends = new CountDownLatch(CLIENTS);
    private final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        watcher = Watcher.builder().eventLoop(group).build(); // on one of the server's own event loops
        echo = new Thread(this::echo, "echo");
        echo.start();
        server = HandshakeServer.bind(group, watcher, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() throws Exception {
        server.close().sync();
        watcher.close();
        echo.join(10_000);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Echoes on every connection the handshake handed over, until its end of stream. */
    private void echo() {
        try {
            while (true) {
                for (OpResult res : watcher.waitIO()) {
                    if (!res.isSuccess()) {
                        if (res.error() instanceof EOFException) {
                            ends.countDown();
                        } else {
                            errors.add(res.error());
                        }
                        watcher.free(res.connection());
                    } else if (res.operation() == Operation.READ) {
                        watcher.write(null, res.connection(), res.buffer().retain());
                    } else {
                        res.buffer().release();
                        watcher.read(null, res.connection(), null);
                    }
                }
            }
        } catch (WatcherClosedException | InterruptedException e) {
            // closed
        }
    }

    @Test
    void clientsShakeHandsWithNettyThenEchoThroughTheWatcher() throws Exception {
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<Long>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int seed = i;
                clients.add(pool.submit(() -> client(port, seed)));
            }
            for (Future<Long> client : clients) {
                assertTrue(client.get(30, TimeUnit.SECONDS) > 0);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(ends.await(10, TimeUnit.SECONDS), "the watcher saw every client's end of stream");
        assertTrue(errors.isEmpty(), "no request failed otherwise: " + errors);
    }

    @Test
    void aWrongGreetingIsRejectedByTheHandshake() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write("HELO\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ERR\n", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
        assertEquals(CLIENTS, ends.getCount(), "the watcher never saw that connection");
    }

    /** Shakes hands, then echoes ROUNDS messages of random sizes; returns the bytes echoed. */
    private long client(int port, int seed) throws IOException {
        Random random = new Random(seed);
        long bytes = 0;
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("HELLO\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("OK\n", new String(in.readNBytes(3), StandardCharsets.US_ASCII));
            for (int i = 0; i < ROUNDS; i++) {
                byte[] message = new byte[1 + random.nextInt(20_000)];
                random.nextBytes(message);
                out.write(message);
                assertArrayEquals(message, in.readNBytes(message.length), "round " + i + " of client " + seed);
                bytes += message.length;
            }
        }
        return bytes;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(server.localAddress());
        s.setSoTimeout(10_000);
        return s;
    }
}
