package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gaio.ListenOptions;
import io.gaio.Listener;
import io.gaio.conformance.EchoServer.ReadMode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many connections arriving at a watcher's {@link Listener} at once: a client process ({@link ManyClientsProcess})
 * starts {@value #CONNECTIONS} connects together (as many as fit where the descriptor limit is lower,
 * {@link #connectionsThatFit}), more than the backlog holds (Linux caps it at 4096, macOS at 128), while an
 * {@link EchoServer} keeps {@value #PENDING_ACCEPTS} accepts pending. Every connection must be accepted exactly once
 * ({@link CompletionLedger}) and echo its message, no accept may fail, and after the listener closes the accepts
 * still pending end with ConnectionClosedException. Where client ports are paced ({@link Platform}), the test counts
 * the client process's connections before it starts it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AcceptManyFromClientProcessTest extends TransportTestBase {
    static final int CONNECTIONS = 8_192;
    static final int PENDING_ACCEPTS = 1_024;
    private static final int MESSAGE = 100;

    @Test
    void acceptsEveryConnectionOfAClientProcessOnce() throws Exception {
        int connections = connectionsThatFit(CONNECTIONS, 1, "connections from a client process");
        CompletionLedger accepts = new CompletionLedger("accepts");
        EchoServer server = new EchoServer(newWatcher(), ReadMode.RANDOM, 256, 61);
        try {
            Listener l = server.watcher().listen(loopback(0),
                    ListenOptions.defaults().backlog(Platform.backlog(4096)));
            server.acceptFrom(l, accepts, PENDING_ACCEPTS);
            Platform.reserveSourcePorts(connections);
            try (ChildJvm clients = ChildJvm.start(List.of(), ManyClientsProcess.class,
                    l.localAddress().getAddress().getHostAddress(), String.valueOf(l.localAddress().getPort()),
                    String.valueOf(connections), String.valueOf(MESSAGE))) {
                assertEquals("CONNECTED " + connections, clients.next("CONNECTED"));
                assertEquals("ECHOED " + connections, clients.next("ECHOED"));
                clients.assertExitedCleanly(WAIT);
            }
            assertAcceptedOnce(server, l, accepts, connections, PENDING_ACCEPTS);
        } finally {
            server.close();
        }
    }
}
