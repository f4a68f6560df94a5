package io.gaio.conformance;

import static io.gaio.conformance.ChildJvm.say;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The client process of {@link AcceptManyFromClientProcessTest}, a JVM of its own so that the connections' client
 * ends do not count against the test JVM's descriptor limit. It starts {@code count} non-blocking connects to
 * {@code host:port} at once (from the rotating source addresses of {@link Loopback}, without pacing: the test
 * reserved their ports, {@link Platform#reserveSourcePorts}), prints
 * {@code CONNECTED <count>} once every one is established, then has each send {@code size} reproducible bytes and
 * read them back ({@link ClientDriver}), closes them all, prints {@code ECHOED <count>} and exits with status 0. Any
 * failure prints its stack trace and exits with status 1.
 */
public final class ManyClientsProcess {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private ManyClientsProcess() {
    }

    /**
     * Runs the clients.
     *
     * @param args the server's host and port, the number of connections, and the message size
     */
    public static void main(String[] args) {
        try {
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(args[0]),
                    Integer.parseInt(args[1]));
            int count = Integer.parseInt(args[2]);
            int size = Integer.parseInt(args[3]);
            List<SocketChannel> clients = connectAll(server, count, null);
            say("CONNECTED " + clients.size());
            try (ClientDriver driver = new ClientDriver()) {
                for (int i = 0; i < count; i++) {
                    driver.addEcho(clients.get(i), List.of(TransportTestBase.randomBytes(size, 70_000 + i)));
                }
                driver.run(WAIT);
                say("ECHOED " + driver.done());
            }
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }

    /**
     * Starts every connect from the reserved source addresses, each socket configured by {@code setup} (or not, when
     * null) before it connects, then waits until each is established; fails after {@link #WAIT}. The channels are
     * left non-blocking.
     */
    static List<SocketChannel> connectAll(InetSocketAddress server, int count, Loopback.SocketSetup setup)
            throws IOException {
        List<SocketChannel> clients = new ArrayList<>(count);
        try (Selector selector = Selector.open()) {
            int pending = 0;
            for (int i = 0; i < count; i++) {
                SocketChannel c = SocketChannel.open();
                clients.add(c);
                c.configureBlocking(false);
                c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (setup != null) {
                    setup.apply(c);
                }
                c.bind(new InetSocketAddress(Platform.nextReservedSourceAddress(), 0));
                if (!c.connect(server)) {
                    c.register(selector, SelectionKey.OP_CONNECT);
                    pending++;
                }
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (pending > 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException(pending + " of " + count + " connects still pending after " + WAIT);
                }
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (((SocketChannel) key.channel()).finishConnect()) {
                        key.cancel();
                        pending--;
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        return clients;
    }
}
