package io.gaio.examples;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * gaio's push server: every second, every connected client gets a line. A pending swap-buffer read on each
 * connection notices when the client goes away. Try it with {@code nc 127.0.0.1 9000}.
 */
final class PushServer {
    private PushServer() {
    }

    static void main(Options options) throws Exception {
        Watcher watcher = options.newWatcher();
        ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(options.value("host", "127.0.0.1"), options.intValue("port", 9000)), 4096);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                listener.close();
            } catch (Exception ignored) {
                // Closing anyway.
            }
            watcher.close();
        }));
        System.out.println("push server listening on " + listener.getLocalAddress() + " (transport "
                + watcher.transport() + "); connect with nc to receive pushes");

        ConcurrentLinkedQueue<SocketChannel> accepted = new ConcurrentLinkedQueue<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(listener.accept());
                }
            } catch (ClosedChannelException stopped) {
                // Shutting down.
            } catch (Exception e) {
                System.err.println("accept failed: " + e);
            }
        }, "push-acceptor");
        acceptor.start();

        Set<Object> clients = new HashSet<>();
        long nextPush = System.nanoTime();
        try {
            while (true) {
                for (SocketChannel conn; (conn = accepted.poll()) != null; ) {
                    clients.add(conn);
                    watcher.read(null, conn, null);
                }
                long wait = nextPush - System.nanoTime();
                for (OpResult res : watcher.waitIO(Duration.ofNanos(Math.max(0, wait)))) {
                    if (res.operation() == Operation.WRITE) {
                        res.buffer().release();
                    }
                    if (!res.isSuccess() && clients.remove(res.connection())) {
                        watcher.free(res.connection());
                    } else if (res.isSuccess() && res.operation() == Operation.READ) {
                        watcher.read(null, res.connection(), null);
                    }
                }
                if (System.nanoTime() - nextPush >= 0) {
                    nextPush += Duration.ofSeconds(1).toNanos();
                    byte[] line = (LocalTime.now() + "\n").getBytes(StandardCharsets.US_ASCII);
                    for (Object conn : clients) {
                        ByteBuf msg = Unpooled.wrappedBuffer(line);
                        watcher.write(null, conn, msg);
                    }
                }
            }
        } catch (WatcherClosedException stopped) {
            // Ctrl-C.
        }
    }
}
