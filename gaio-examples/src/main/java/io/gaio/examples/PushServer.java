package io.gaio.examples;

import io.gaio.Connection;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.util.HashSet;
import java.util.Set;

/**
 * gaio's push server: every second, every connected client gets a line. The watcher listens and accepts; a pending
 * swap-buffer read on each connection notices when the client goes away. One thread does everything else, between
 * {@code waitIO()} calls that time out at the next push. Try it with {@code nc 127.0.0.1 9000}.
 */
final class PushServer {
    private PushServer() {
    }

    static void main(Options options) throws Exception {
        Watcher watcher = options.newWatcher();
        InetSocketAddress address = Accepts.open(watcher,
                new InetSocketAddress(options.value("host", "127.0.0.1"), options.intValue("port", 9000)))
                .localAddress();
        Runtime.getRuntime().addShutdownHook(new Thread(watcher::close)); // the listener with it
        System.out.println("push server listening on " + address + " (transport " + watcher.transport()
                + "); connect with nc to receive pushes");

        Set<Connection> clients = new HashSet<>();
        long nextPush = System.nanoTime();
        try {
            while (true) {
                long wait = nextPush - System.nanoTime();
                for (OpResult res : watcher.waitIO(Duration.ofNanos(Math.max(0, wait)))) {
                    if (res.operation() == Operation.ACCEPT) {
                        Connection conn = Accepts.next(watcher, res, "push server");
                        if (conn != null) {
                            clients.add(conn);
                            watcher.read(null, conn, null);
                        }
                        continue;
                    }
                    if (res.operation() == Operation.WRITE) {
                        res.buffer().release();
                    }
                    if (!res.isSuccess() && clients.remove(res.connection())
                            && !(res.error() instanceof WatcherClosedException)) {
                        watcher.free(res.connection());
                    } else if (res.isSuccess() && res.operation() == Operation.READ) {
                        watcher.read(null, res.connection(), null);
                    }
                }
                if (System.nanoTime() - nextPush >= 0) {
                    nextPush += Duration.ofSeconds(1).toNanos();
                    byte[] line = (LocalTime.now() + "\n").getBytes(StandardCharsets.US_ASCII);
                    for (Connection conn : clients) {
                        watcher.write(null, conn, Unpooled.wrappedBuffer(line));
                    }
                }
            }
        } catch (WatcherClosedException stopped) {
            // Ctrl-C.
        }
    }
}
