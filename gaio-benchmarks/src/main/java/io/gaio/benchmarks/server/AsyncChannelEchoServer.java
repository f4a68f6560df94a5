package io.gaio.benchmarks.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.Executors;

/**
 * The JDK's own proactor: {@link AsynchronousSocketChannel}s in a channel group of one thread, a 4 KB direct buffer
 * per connection, read → write → read through completion handlers.
 */
public final class AsyncChannelEchoServer implements EchoServer {
    private static final int BUFFER_SIZE = 4096;

    private AsynchronousChannelGroup group;
    private AsynchronousServerSocketChannel listener;

    @Override
    public InetSocketAddress start(InetSocketAddress address) throws IOException {
        group = AsynchronousChannelGroup.withFixedThreadPool(1, r -> GaioEchoServer.daemon(r, "jdk-async-echo"));
        listener = AsynchronousServerSocketChannel.open(group).bind(address, BACKLOG);
        listener.accept(null, new Acceptor());
        return (InetSocketAddress) listener.getLocalAddress();
    }

    @Override
    public void close() {
        try {
            listener.close();
            group.shutdownNow();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }

    /** Accepts the next connection as soon as one is accepted. */
    private final class Acceptor implements CompletionHandler<AsynchronousSocketChannel, Void> {
        @Override
        public void completed(AsynchronousSocketChannel channel, Void unused) {
            listener.accept(null, this);
            try {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                new Connection(channel).read();
            } catch (IOException e) {
                Connection.closeQuietly(channel);
            }
        }

        @Override
        public void failed(Throwable cause, Void unused) {
            if (listener.isOpen()) {
                listener.accept(null, this);
            }
        }
    }

    /** One connection: its buffer and its two handlers, so that the echo loop allocates nothing per message. */
    private static final class Connection {
        private final AsynchronousSocketChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
        private final CompletionHandler<Integer, Void> onRead = new Handler(true);
        private final CompletionHandler<Integer, Void> onWrite = new Handler(false);

        Connection(AsynchronousSocketChannel channel) {
            this.channel = channel;
        }

        void read() {
            buffer.clear();
            channel.read(buffer, null, onRead);
        }

        static void closeQuietly(AsynchronousSocketChannel channel) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }

        private final class Handler implements CompletionHandler<Integer, Void> {
            private final boolean reading;

            Handler(boolean reading) {
                this.reading = reading;
            }

            @Override
            public void completed(Integer n, Void unused) {
                if (reading && n < 0) {
                    closeQuietly(channel);
                } else if (reading) {
                    buffer.flip();
                    channel.write(buffer, null, onWrite);
                } else if (buffer.hasRemaining()) {
                    channel.write(buffer, null, onWrite);
                } else {
                    read();
                }
            }

            @Override
            public void failed(Throwable cause, Void unused) {
                closeQuietly(channel);
            }
        }
    }
}
