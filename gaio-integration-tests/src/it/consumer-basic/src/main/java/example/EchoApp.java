package example;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Transports;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Echoes a few messages through a gaio watcher over loopback, printing the transport the watcher chose
 * ({@code -Dgaio.transport=NAME} names one). Exits with 0 when every byte came back, with 1 on an exception.
 */
public final class EchoApp {
    private static final int[] MESSAGE_SIZES = {1, 1_000, 100_000, 300_000};

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(30_000);
                System.out.println("timed out");
                System.exit(3);
            } catch (InterruptedException e) {
                // finished in time
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();

        System.out.println("java " + Runtime.version());
        try (Watcher w = Watcher.open();
             ServerSocketChannel ln = ServerSocketChannel.open()
                     .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(ln.getLocalAddress())) {
            System.out.println("gaio transport: " + Transports.selected().name());

            // The server side: hand the accepted connection to the watcher and echo until end of stream.
            w.read(null, ln.accept(), null);
            CountDownLatch served = new CountDownLatch(1);
            Thread echo = new Thread(() -> echo(w, served), "echo");
            echo.setDaemon(true);
            echo.start();

            long bytes = 0;
            Random random = new Random(42);
            for (int size : MESSAGE_SIZES) {
                byte[] message = new byte[size];
                random.nextBytes(message);
                // Written from another thread: a message larger than the socket buffers echoes back while it is sent.
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> writeFully(client, message));
                byte[] back = readFully(client, size);
                sent.join();
                if (!Arrays.equals(message, back)) {
                    throw new IllegalStateException("the echo of a " + size + "-byte message differs");
                }
                bytes += size;
            }
            client.shutdownOutput();
            if (!served.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the watcher did not report the client's end of stream");
            }
            System.out.println("echo ok: " + MESSAGE_SIZES.length + " messages, " + bytes + " bytes");
        }
        watchdog.interrupt();
    }

    private static void echo(Watcher w, CountDownLatch served) {
        try {
            while (true) {
                for (OpResult res : w.waitIO()) {
                    if (!res.isSuccess()) {
                        if (res.error() instanceof EOFException) {
                            served.countDown();
                        } else {
                            System.out.println("echo failed: " + res.error());
                        }
                        w.free(res.connection());
                    } else if (res.operation() == Operation.READ) {
                        // A swap-buffer slice is valid until the next waitIO(): retain it for the write.
                        w.write(null, res.connection(), res.buffer().retain());
                    } else {
                        res.buffer().release();
                        w.read(null, res.connection(), null);
                    }
                }
            }
        } catch (WatcherClosedException | InterruptedException e) {
            // the watcher closed: done
        }
    }

    private static void writeFully(SocketChannel channel, byte[] bytes) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static byte[] readFully(SocketChannel channel, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(size);
        while (buf.hasRemaining()) {
            if (channel.read(buf) < 0) {
                throw new EOFException("the echo ended after " + buf.position() + " of " + size + " bytes");
            }
        }
        return buf.array();
    }
}
