package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gaio.ConnectOptions;
import io.gaio.Connection;
import io.gaio.ListenOptions;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.conformance.EchoServer.ReadMode;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@value #CONNECTIONS} connects submitted at once from one watcher to a {@link Listener} of another, both in this JVM
 * (two descriptors a connection stay under the 20,000 open-file limit; under a lower limit, as many as fit,
 * {@link #connectionsThatFit}): every CONNECT and every ACCEPT completes exactly once ({@link CompletionLedger}), each
 * connection echoes one message through an {@link EchoServer} on the listener's watcher, and once every connection is
 * freed and the watchers are closed the process's descriptors are back to their count before. The server keeps
 * {@value #PENDING_ACCEPTS} accepts pending and listens with that backlog (Linux caps it at somaxconn, 4096; macOS at
 * 128, {@link Platform#backlog}); clients bind the rotating source addresses of {@link Loopback#nextSourceAddress()}
 * (127.0.0.1 alone and paced where there is no other), so that neither ephemeral ports nor TIME_WAIT leftovers run
 * out.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ManyConnectsTest extends TransportTestBase {
    static final int CONNECTIONS = 9_000;
    static final int PENDING_ACCEPTS = 4_096;
    private static final int MESSAGE = 64;

    @Test
    void nineThousandConnectsAtOnce() throws Exception {
        int connections = connectionsThatFit(CONNECTIONS, 2, "connects at once");
        int fdsBefore = openDescriptorCount();
        CompletionLedger accepts = new CompletionLedger("accepts");
        CompletionLedger requests = new CompletionLedger("connects, writes and reads");
        EchoServer server = new EchoServer(newWatcher(), ReadMode.RANDOM, 256, 41);
        Client[] clients = new Client[connections];
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        try (Watcher w = newWatcher()) {
            Listener l = server.watcher().listen(loopback(0),
                    ListenOptions.defaults().backlog(Platform.backlog(PENDING_ACCEPTS)));
            server.acceptFrom(l, accepts, PENDING_ACCEPTS);
            Map<Long, Client> byRequest = new HashMap<>();
            for (int i = 0; i < connections; i++) {
                clients[i] = new Client(i);
                Long id = requests.open();
                byRequest.put(id, clients[i]);
                clients[i].connection = w.connect(id, l.localAddress(), ConnectOptions.defaults()
                        .localAddress(new InetSocketAddress(Loopback.nextSourceAddress(), 0)));
            }
            requests.awaitSettled(w, WAIT.multipliedBy(4), r -> {
                Client c = byRequest.remove(r.context());
                String problem = c == null ? "a completion of no request: " + r : c.next(w, requests, byRequest, r);
                if (problem != null && problems.size() < 20) {
                    problems.add(problem);
                }
            });
            long echoed = Arrays.stream(clients).filter(c -> c.echoed).count();
            System.out.println(connections + " connects, echoes and frees in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms; " + requests);
            assertEquals(List.of(), problems, "what went wrong on the connecting side");
            assertEquals(connections, echoed, "connections that echoed");
            requests.assertSettled();
            assertEquals(3L * connections, requests.count("ok"), "successful connects, writes and reads");

            assertAcceptedOnce(server, l, accepts, connections, PENDING_ACCEPTS);
        } finally {
            server.close();
            for (Client c : clients) {
                if (c != null) {
                    c.release();
                }
            }
        }
        if (fdsBefore >= 0) {
            awaitDescriptorsAtMost(fdsBefore, "after " + connections + " connections were closed");
        }
    }

    /** One connecting client: connect, then one write and one readFull of the echo, then free. */
    private static final class Client {
        final int index;
        final byte[] message;
        Connection connection;
        ByteBuf out;
        ByteBuf in;
        boolean echoed;

        Client(int index) {
            this.index = index;
            this.message = randomBytes(MESSAGE, 50_000 + index);
        }

        /** Handles the completion of this client's request; submits what follows; returns a problem or null. */
        String next(Watcher w, CompletionLedger ledger, Map<Long, Client> byRequest, OpResult r) {
            if (r.connection() != connection) {
                return "connection " + index + ": a completion names another connection: " + r;
            }
            if (!r.isSuccess()) {
                return "connection " + index + ": " + r + ": " + r.error();
            }
            if (r.operation() == Operation.CONNECT) {
                out = bufferOf(message);
                in = directBuffer(MESSAGE);
                submit(ledger, byRequest, id -> w.write(id, connection, out));
                submit(ledger, byRequest, id -> w.readFull(id, connection, in, null));
            } else if (r.operation() == Operation.READ) {
                if (!Arrays.equals(message, readable(in))) {
                    return "connection " + index + ": the echo came back different";
                }
                echoed = true;
                w.free(connection);
            } else if (r.operation() != Operation.WRITE || r.size() != MESSAGE) {
                return "connection " + index + ": unexpected " + r;
            }
            return null;
        }

        private void submit(CompletionLedger ledger, Map<Long, Client> byRequest, Consumer<Long> s) {
            Long id = ledger.open();
            byRequest.put(id, this);
            s.accept(id);
        }

        void release() {
            releaseQuietly(out, in);
        }
    }
}
