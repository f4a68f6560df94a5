package io.gaio.conformance;

import static io.gaio.conformance.ChildJvm.expect;
import static io.gaio.conformance.ChildJvm.say;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The client process of {@link CloseHandsBackTest}, a JVM of its own so that the connections' client ends do not
 * count against the test JVM's descriptor limit: peers that say hello and then never read. It starts {@code count}
 * connects to {@code host:port} at once ({@link ManyClientsProcess#connectAll}), each with a receive buffer of
 * {@code receiveBuffer} bytes, sends each {@code hello} reproducible bytes, and prints {@code CONNECTED <count>}. It
 * reads nothing until the test sends {@code CHECK}; then it reads every connection until its end of stream or a reset,
 * prints {@code ENDED <n>} with the number that ended within a minute, and exits with status 0. Any failure prints
 * its stack trace and exits with status 1.
 */
public final class SilentClientsProcess {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private SilentClientsProcess() {
    }

    /**
     * Runs the clients.
     *
     * @param args the server's host and port, the number of connections, the hello's size and the receive buffer
     */
    public static void main(String[] args) {
        try {
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(args[0]),
                    Integer.parseInt(args[1]));
            int count = Integer.parseInt(args[2]);
            int hello = Integer.parseInt(args[3]);
            int receiveBuffer = Integer.parseInt(args[4]);
            List<SocketChannel> clients = ManyClientsProcess.connectAll(server, count,
                    c -> c.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer));
            for (int i = 0; i < count; i++) {
                ByteBuffer b = ByteBuffer.wrap(TransportTestBase.randomBytes(hello, 90_000 + i));
                while (b.hasRemaining()) {
                    // A fresh connection's send buffer takes a hello at once.
                    clients.get(i).write(b);
                }
            }
            say("CONNECTED " + clients.size());
            expect(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), "CHECK");
            say("ENDED " + awaitEnds(clients));
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }

    /** Reads every connection until its end of stream or a reset; returns how many ended within {@link #WAIT}. */
    private static int awaitEnds(List<SocketChannel> clients) throws IOException {
        int ended = 0;
        try (Selector selector = Selector.open()) {
            for (SocketChannel c : clients) {
                c.register(selector, SelectionKey.OP_READ);
            }
            ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (ended < clients.size() && System.nanoTime() - deadline < 0) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel c = (SocketChannel) key.channel();
                    int n;
                    try {
                        do {
                            scratch.clear();
                            n = c.read(scratch);
                        } while (n > 0);
                    } catch (IOException reset) {
                        n = -1;
                    }
                    if (n < 0) {
                        key.cancel();
                        c.close();
                        ended++;
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        return ended;
    }
}
