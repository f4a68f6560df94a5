package io.gaio.conformance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A listening socket on 127.0.0.1 and the connected pairs made through it: the client end is a blocking JDK
 * {@link SocketChannel} for the test to drive, the server end is the accepted {@link SocketChannel} that the test
 * hands to a watcher.
 *
 * <p>Closing the loopback closes every pair it made, so a test that closes its watchers before its loopback
 * (declared after it in try-with-resources) leaves nothing open.
 *
 * <p>Client sockets bind to source addresses that rotate through 127.0.0.2 … 127.0.3.251, so that the many
 * thousands of connections a suite run makes (and their TIME_WAIT leftovers) never exhaust the ephemeral ports of
 * one address; where those addresses do not exist (macOS, FreeBSD), every client binds 127.0.0.1 and the connections
 * are paced so that the ephemeral ports last ({@link Platform}). Connections are made in batches no larger than the
 * listen backlog ({@link Platform#backlog}: 4096 on Linux, 128 on macOS), each batch accepted before the next is
 * connected.
 *
 * <p>For the watcher's own listeners and connects, {@link #client} and {@link #server} make the JDK peers: a client
 * from the same rotation of source addresses, and a listener the test accepts from itself.
 */
final class Loopback implements AutoCloseable {
    /** The listener's backlog: 4096, or less where the platform caps it. */
    private static final int BACKLOG = Platform.backlog(4096);
    /** Connections made before the listener accepts them; within the backlog. */
    private static final int BATCH = Math.min(1024, BACKLOG);

    private final ServerSocketChannel listener;
    private final InetSocketAddress address;
    private final List<Pair> made = new ArrayList<>();

    private Loopback(ServerSocketChannel listener) throws IOException {
        this.listener = listener;
        this.address = (InetSocketAddress) listener.getLocalAddress();
    }

    /** A listener on 127.0.0.1 with an ephemeral port. */
    static Loopback open() throws IOException {
        return open(null);
    }

    /**
     * A listener on 127.0.0.1 whose accepted sockets get {@code receiveBuffer} bytes of receive buffer
     * (set on the listener, so it applies from the handshake on), or the system default when {@code null}.
     */
    static Loopback open(Integer receiveBuffer) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            if (receiveBuffer != null) {
                listener.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            }
            bind(listener, BACKLOG);
            return new Loopback(listener);
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    /**
     * A blocking JDK listener on 127.0.0.1 with an ephemeral port that nothing accepts from but the test: the peer
     * of a watcher's {@code connect}.
     *
     * @param backlog the listen backlog
     */
    static ServerSocketChannel server(int backlog) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            bind(server, backlog);
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static void bind(ServerSocketChannel listener, int backlog) throws IOException {
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog);
    }

    /**
     * A blocking JDK client connected to {@code remote} from the next rotating source address: the peer of a
     * watcher's own listener.
     */
    static SocketChannel client(InetSocketAddress remote) throws IOException {
        SocketChannel client = newClient(null);
        try {
            client.connect(remote);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** An unconnected client socket bound to the next rotating source address, configured by {@code options}. */
    private static SocketChannel newClient(SocketSetup options) throws IOException {
        SocketChannel client = SocketChannel.open();
        try {
            client.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (options != null) {
                options.apply(client);
            }
            client.bind(new InetSocketAddress(nextSourceAddress(), 0));
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Where the listener listens. */
    InetSocketAddress address() {
        return address;
    }

    /** One connected pair. */
    Pair connect() throws IOException {
        return connect(1, null).get(0);
    }

    /** One connected pair; {@code clientOptions} configures the client socket before it connects. */
    Pair connect(SocketSetup clientOptions) throws IOException {
        return connect(1, clientOptions).get(0);
    }

    /** {@code n} connected pairs. */
    List<Pair> connect(int n) throws IOException {
        return connect(n, null);
    }

    /** {@code n} connected pairs, made in batches; on failure every socket opened so far is closed. */
    List<Pair> connect(int n, SocketSetup clientOptions) throws IOException {
        List<Pair> pairs = new ArrayList<>(n);
        Set<SocketChannel> pending = new HashSet<>();
        try {
            while (pairs.size() < n) {
                int batch = Math.min(BATCH, n - pairs.size());
                Map<SocketAddress, SocketChannel> byLocal = new HashMap<>();
                for (int i = 0; i < batch; i++) {
                    SocketChannel client = newClient(clientOptions);
                    pending.add(client);
                    client.connect(address);
                    byLocal.put(client.getLocalAddress(), client);
                }
                for (int i = 0; i < batch; i++) {
                    SocketChannel accepted = listener.accept();
                    SocketChannel client = byLocal.remove(accepted.getRemoteAddress());
                    if (client == null) {
                        accepted.close();
                        throw new IOException("accepted a connection from " + accepted.getRemoteAddress()
                                + " that no client of this batch made");
                    }
                    pending.remove(client);
                    Pair pair = new Pair(client, accepted);
                    pairs.add(pair);
                    made.add(pair);
                }
            }
            return pairs;
        } catch (IOException | RuntimeException e) {
            TransportTestBase.closeAll(pending);
            TransportTestBase.closeAll(pairs);
            throw e;
        }
    }

    /**
     * Stops keeping {@code pair} for {@link #close()}, so that nothing here keeps its objects reachable (for tests of
     * garbage-collection cleanup); the caller closes what needs closing.
     *
     * @param pair a pair this loopback made
     */
    void forget(Pair pair) {
        made.remove(pair);
    }

    /** Closes the listener and both ends of every pair it made (closing an end twice is harmless). */
    @Override
    public void close() throws IOException {
        TransportTestBase.closeAll(made);
        made.clear();
        listener.close();
    }

    /**
     * The next client source address of the rotation through 127.0.0.2 … 127.0.3.251, or 127.0.0.1 where those
     * cannot be bound, shared by every test of the JVM, for sockets that bind before they connect; where ports are
     * paced, waits until the connection leaves enough ephemeral ports ({@link Platform#nextSourceAddress()}).
     */
    static InetAddress nextSourceAddress() throws IOException {
        return Platform.nextSourceAddress();
    }

    /** Configures a client socket before it connects, for example its buffer sizes. */
    @FunctionalInterface
    interface SocketSetup {
        /** Applies the settings. */
        void apply(SocketChannel client) throws IOException;
    }

    /** A connected pair: {@link #client} for the test, {@link #server} for a watcher. */
    static final class Pair implements AutoCloseable {
        /** The connecting end, in blocking mode. */
        final SocketChannel client;
        /** The accepted end, to be handed to a watcher. */
        final SocketChannel server;

        Pair(SocketChannel client, SocketChannel server) {
            this.client = client;
            this.server = server;
        }

        /** Closes both ends; closing an end a watcher already closed is harmless. */
        @Override
        public void close() {
            TransportTestBase.closeQuietly(client);
            TransportTestBase.closeQuietly(server);
        }
    }
}
