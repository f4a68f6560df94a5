package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Delegation (rule 13; gaio's delegation semantics): socket options set before the first request are kept by the
 * watcher, and where the transport keeps its own duplicate of the socket, the caller's object is closed on
 * delegation while the watcher goes on serving the connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DelegationTest extends TransportTestBase {

    /**
     * {@code SO_LINGER 0} set before delegation is kept: when the watcher frees the connection, the peer sees a
     * reset instead of an orderly end of stream.
     */
    @Test
    void socketOptionsAreKept() throws Exception {
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            p.server.setOption(StandardSocketOptions.SO_LINGER, 0);
            p.server.setOption(StandardSocketOptions.TCP_NODELAY, true);
            sendAll(p.client, new byte[] {1});
            w.read(null, p.server, null);
            assertSuccess(awaitResult(w));
            w.free(p.server);
            Throwable outcome = awaitClosedOrReset(p.client, WAIT);
            assertNotSame(NOT_CLOSED, outcome, "the freed connection was not closed");
            assertInstanceOf(IOException.class, outcome,
                    "SO_LINGER 0 set before delegation must make the close a reset, but the peer saw an orderly end");
        }
    }

    /** On a duplicating transport the caller's object is closed on delegation; the connection goes on. */
    @Test
    void callerObjectClosedWhereSocketsAreDuplicated() throws Exception {
        assumeTrue(transport().duplicatesSockets(), "transport " + transport().name() + " uses the caller's object "
                + "itself; it stays open and in the watcher's hands until free/close");
        byte[] data = randomBytes(1000, 110);
        ByteBuf in = directBuffer(1000);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, new byte[] {1});
            w.read(null, p.server, null);
            assertSuccess(awaitResult(w));
            assertFalse(p.server.isOpen(), "the caller's channel must be closed once the watcher took a duplicate");
            sendAll(p.client, data);
            w.readFull("after", p.server, in, Duration.ofSeconds(10));
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.READ, "after", p.server);
            assertSuccess(r);
            assertArrayEquals(data, readable(in));
            w.write("echo", p.server, in);
            assertSuccess(awaitResult(w));
            assertArrayEquals(data, readExactly(p.client, data.length, WAIT));
        } finally {
            in.release();
        }
    }
}
