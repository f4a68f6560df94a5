package io.gaio.examples;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * gaio's echo server: one thread accepts and submits the first read, one thread loops on {@code waitIO()} and sends
 * back what arrived. With {@code bufferSize == 0} reads land in the watcher's swap buffer, so an idle connection
 * holds no buffer at all.
 */
final class EchoServer implements AutoCloseable {
    private final Watcher watcher;
    private final ServerSocketChannel listener;
    private final int bufferSize;
    private final Thread acceptor;
    private final Thread echoer;

    EchoServer(Watcher watcher, String host, int port, int bufferSize) throws IOException {
        this.watcher = watcher;
        this.bufferSize = bufferSize;
        this.listener = ServerSocketChannel.open().bind(new InetSocketAddress(host, port), 4096);
        this.acceptor = new Thread(this::acceptLoop, "echo-acceptor");
        this.echoer = new Thread(this::echoLoop, "echo-waitio");
    }

    static void main(Options options) throws Exception {
        Watcher watcher = options.newWatcher();
        EchoServer server = new EchoServer(watcher, options.value("host", "127.0.0.1"),
                options.intValue("port", 9000), options.intValue("buffer", 0));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("echo server listening on " + server.address() + " (transport " + watcher.transport()
                + ", " + (server.bufferSize == 0 ? "swap-buffer reads" : server.bufferSize + "-byte buffers") + ")");
        server.start();
        server.echoer.join();
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    void start() {
        acceptor.start();
        echoer.start();
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel conn = listener.accept();
                conn.setOption(StandardSocketOptions.TCP_NODELAY, true);
                watcher.read(null, conn, newBuffer());
            }
        } catch (ClosedChannelException | WatcherClosedException stopped) {
            // close() was called.
        } catch (IOException e) {
            System.err.println("accept failed: " + e);
        }
    }

    private void echoLoop() {
        try {
            while (true) {
                for (OpResult res : watcher.waitIO()) {
                    if (!res.isSuccess()) {
                        // EOF or an error: drop the connection and its buffer.
                        watcher.free(res.connection());
                        if (res.buffer() != null && !res.isSwapBuffer()) {
                            res.buffer().release();
                        }
                    } else if (res.operation() == Operation.READ) {
                        // A swap-buffer slice is valid until the next waitIO(); retain it until the write is done.
                        ByteBuf data = res.isSwapBuffer() ? res.buffer().retain() : res.buffer();
                        watcher.write(null, res.connection(), data);
                    } else if (bufferSize == 0) {
                        res.buffer().release();
                        watcher.read(null, res.connection(), null);
                    } else {
                        watcher.read(null, res.connection(), res.buffer().clear());
                    }
                }
            }
        } catch (WatcherClosedException | InterruptedException stopped) {
            // close() was called.
        }
    }

    private ByteBuf newBuffer() {
        return bufferSize == 0 ? null : PooledByteBufAllocator.DEFAULT.directBuffer(bufferSize, bufferSize);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        watcher.close();
    }
}
