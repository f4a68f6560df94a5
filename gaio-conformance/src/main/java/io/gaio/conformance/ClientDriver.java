package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Drives many client connections from one thread with a JDK {@link Selector}: the peer side of the tests with
 * thousands of connections, which must not need a thread each.
 *
 * <p>Each client follows a script of steps; a step sends some bytes and, at the same time, expects some bytes
 * (full duplex within a step), and the next step starts once the expected bytes arrived. An echo client has one
 * step per round with the same bytes sent and expected; a receiver has one step that sends nothing. Every byte
 * received is compared with the expected one. A client that finished its script closes its connection, so that the
 * watcher under test sees the end of stream.
 */
final class ClientDriver implements AutoCloseable {
    private final Selector selector;
    private final List<Client> clients = new ArrayList<>();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
    private int done;

    ClientDriver() throws IOException {
        this.selector = Selector.open();
    }

    /** A client that sends each message and waits for it to come back before sending the next. */
    void addEcho(SocketChannel channel, List<byte[]> rounds) throws IOException {
        add(channel, rounds.toArray(new byte[0][]), rounds.toArray(new byte[0][]));
    }

    /** A client that sends nothing and expects exactly {@code expected}. */
    void addReceiver(SocketChannel channel, byte[] expected) throws IOException {
        add(channel, new byte[][] {new byte[0]}, new byte[][] {expected});
    }

    private void add(SocketChannel channel, byte[][] send, byte[][] expect) throws IOException {
        channel.configureBlocking(false);
        Client c = new Client(clients.size(), channel, send, expect);
        clients.add(c);
        c.key = channel.register(selector, 0, c);
    }

    /** Clients that finished their script. */
    int done() {
        return done;
    }

    /**
     * Runs every script to its end; fails on a wrong byte, an early end of stream, a socket error, or when not every
     * client is done within {@code timeout}.
     */
    void run(Duration timeout) throws IOException {
        for (Client c : clients) {
            c.progress();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (done < clients.size()) {
            if (System.nanoTime() - deadline > 0) {
                fail("only " + done + " of " + clients.size() + " clients finished within " + timeout
                        + "; for example: " + clients.stream().filter(c -> !c.finished).limit(5)
                        .map(Client::toString).collect(Collectors.joining("; ")));
            }
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                if (key.isValid()) {
                    ((Client) key.attachment()).progress();
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** Closes every client connection still open, and the selector. */
    @Override
    public void close() {
        for (Client c : clients) {
            TransportTestBase.closeQuietly(c.channel);
        }
        TransportTestBase.closeQuietly(selector);
    }

    private final class Client {
        final int index;
        final SocketChannel channel;
        final byte[][] send;
        final byte[][] expect;
        SelectionKey key;
        int step;
        ByteBuffer out;
        int received;
        boolean finished;

        Client(int index, SocketChannel channel, byte[][] send, byte[][] expect) {
            this.index = index;
            this.channel = channel;
            this.send = send;
            this.expect = expect;
            this.out = ByteBuffer.wrap(send[0]);
        }

        /** Moves bytes both ways until the socket would block, starting the next steps as they complete. */
        void progress() throws IOException {
            while (!finished) {
                write();
                read();
                if (out.hasRemaining() || received < expect[step].length) {
                    key.interestOps((received < expect[step].length ? SelectionKey.OP_READ : 0)
                            | (out.hasRemaining() ? SelectionKey.OP_WRITE : 0));
                    return;
                }
                if (++step == send.length) {
                    finished = true;
                    done++;
                    key.cancel();
                    channel.close();
                    return;
                }
                out = ByteBuffer.wrap(send[step]);
                received = 0;
            }
        }

        private void write() {
            try {
                while (out.hasRemaining() && channel.write(out) > 0) {
                    // keep writing until the socket would block
                }
            } catch (IOException e) {
                fail("client " + index + ": write failed: " + e + "; " + this, e);
            }
        }

        private void read() {
            byte[] want = expect[step];
            while (received < want.length) {
                scratch.clear();
                int n;
                try {
                    n = channel.read(scratch);
                } catch (IOException e) {
                    fail("client " + index + ": read failed: " + e + "; " + this, e);
                    return;
                }
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    fail("client " + index + ": end of stream too early; " + this);
                }
                if (received + n > want.length) {
                    fail("client " + index + ": " + (received + n - want.length) + " bytes more than expected; "
                            + this);
                }
                scratch.flip();
                for (int i = 0; i < n; i++) {
                    byte b = scratch.get();
                    if (b != want[received]) {
                        fail("client " + index + ": wrong byte at offset " + received + ": expected "
                                + want[received] + ", got " + b + "; " + this);
                    }
                    received++;
                }
            }
        }

        @Override
        public String toString() {
            return "client " + index + " in step " + step + " of " + send.length + ": sent " + out.position()
                    + " of " + out.limit() + ", received " + received + " of " + expect[step].length;
        }
    }
}
