package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Both directions of one connection at once (rule 6; gaio's TestBidirectionWatcher): reads complete while a large
 * write is stuck on a peer that does not read yet, and a watcher that owns both ends of a connection moves megabytes
 * both ways at the same time.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DuplexTest extends TransportTestBase {
    private static final int BIG = 16 * 1024 * 1024;

    /** A 16 MiB write waits for the peer while ten reads on the same connection complete. */
    @Test
    void readsCompleteWhileAWriteIsPending() throws Exception {
        byte[] big = randomBytes(BIG, 40);
        ByteBuf out = bufferOf(big);
        ByteBuf in = directBuffer(100);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.write("big", p.server, out);
            for (int i = 0; i < 10; i++) {
                byte[] msg = randomBytes(100, 41 + i);
                in.clear();
                w.readFull(i, p.server, in, null);
                sendAll(p.client, msg);
                OpResult r = awaitResult(w);
                assertCompletes(r, Operation.READ, i, p.server);
                assertSuccess(r);
                assertArrayEquals(msg, readable(in), "message " + i);
            }
            assertTrue(out.isReadable(), "the peer read nothing, yet all 16 MiB went out");
            assertArrayEquals(big, readExactly(p.client, BIG, WAIT));
            OpResult r = awaitResult(w);
            assertCompletes(r, Operation.WRITE, "big", p.server);
            assertSuccess(r);
            assertEquals(BIG, r.size());
        } finally {
            out.release();
            in.release();
        }
    }

    /**
     * One watcher owns both ends of a connection; each end writes 8 MiB and reads the other's 8 MiB at the same
     * time, one end into its own buffer, the other through the swap buffer.
     */
    @Test
    void bothEndsOnOneWatcher() throws Exception {
        int size = BIG / 2;
        byte[] aToB = randomBytes(size, 50);
        byte[] bToA = randomBytes(size, 51);
        ByteBuf outA = bufferOf(aToB);
        ByteBuf outB = bufferOf(bToA);
        ByteBuf inA = directBuffer(64 * 1024);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            Object a = p.client;
            Object b = p.server;
            ByteArrayOutputStream gotA = new ByteArrayOutputStream();
            ByteArrayOutputStream gotB = new ByteArrayOutputStream();
            w.write("a", a, outA);
            w.write("b", b, outB);
            w.read("a", a, inA);
            w.read("b", b, null);
            int writesDone = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (writesDone < 2 || gotA.size() < size || gotB.size() < size) {
                assertTrue(System.nanoTime() - deadline < 0, () -> "stuck: a got " + gotA.size() + ", b got "
                        + gotB.size() + " of " + size);
                for (OpResult r : w.waitIO(Duration.ofMillis(500))) {
                    Object conn = r.context() == "a" ? a : b;
                    assertSame(conn, r.connection(), "connection of " + r);
                    assertSuccess(r);
                    if (r.operation() == Operation.WRITE) {
                        writesDone++;
                        assertEquals(size, r.size());
                    } else if (conn == a) {
                        assertSame(inA, r.buffer());
                        gotA.writeBytes(readable(inA));
                        if (gotA.size() < size) {
                            w.read("a", a, inA.clear());
                        }
                    } else {
                        assertTrue(r.isSwapBuffer());
                        gotB.writeBytes(readable(r.buffer()));
                        if (gotB.size() < size) {
                            w.read("b", b, null);
                        }
                    }
                }
            }
            assertTrue(Arrays.equals(bToA, gotA.toByteArray()), "bytes b sent to a");
            assertTrue(Arrays.equals(aToB, gotB.toByteArray()), "bytes a sent to b");
        } finally {
            outA.release();
            outB.release();
            inA.release();
        }
    }
}
