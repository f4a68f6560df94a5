package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.DeadlineExceededException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Peer faults (reliability): a peer that resets the connection (close with {@code SO_LINGER 0}) while reads are
 * pending or while a large write is half done, and a peer that vanished before we write. The request concerned
 * completes with the operating system's error (an {@link IOException} that is neither the end of stream nor
 * {@link ConnectionClosedException}: the watcher did not free anything); each request, including those queued behind
 * it, completes exactly once (booked in a {@link CompletionLedger}); and a second connection on the same watcher
 * echoes afterwards. {@link PeerCloseTest} has the single-request basics.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerResetTest extends TransportTestBase {
    private static final int QUEUED_READS = 3;

    /**
     * Three reads queued (into buffers or the swap buffer) when the peer resets: the first completes with the reset,
     * the others (queued behind it) with the reset or the end of stream that follows it; none twice, none lost.
     */
    @ParameterizedTest(name = "swap buffer: {0}")
    @ValueSource(booleans = {false, true})
    void resetWhileReadsArePending(boolean swap) throws Exception {
        CompletionLedger ledger = new CompletionLedger("reset while reading, swap " + swap);
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(2);
            Loopback.Pair victim = pairs.get(0);
            Loopback.Pair bystander = pairs.get(1);
            assertEchoes(w, ledger, bystander, 100, 1);
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < QUEUED_READS; i++) {
                ByteBuf b = swap ? null : directBuffer(64);
                if (b != null) {
                    buffers.add(b);
                }
                Long id = ledger.open();
                ids.add(id);
                w.read(id, victim.server, b);
            }
            assertNoCompletion(w, Duration.ofMillis(100));

            reset(victim);
            List<OpResult> results = ledger.await(w, QUEUED_READS);
            for (int i = 0; i < QUEUED_READS; i++) {
                OpResult r = results.get(i);
                assertCompletes(r, Operation.READ, ids.get(i), victim.server);
                assertEquals(0, r.size(), () -> "bytes from a peer that sent none: " + r);
                IOException e = assertError(r, IOException.class);
                assertFalse(e instanceof ConnectionClosedException, () -> "the watcher did not free it: " + r);
                if (i == 0) {
                    assertFalse(e instanceof EOFException, () -> "a reset is the socket's error, not EOF: " + r);
                }
            }
            assertNoCompletion(w, Duration.ofMillis(100));
            assertEchoes(w, ledger, bystander, 64 * 1024, 2);
            ledger.assertSettled();
            ledger.print();
        } finally {
            releaseQuietly(buffers);
        }
    }

    /**
     * A 32 MiB write to a peer that read 256 KiB of it and then reset: the write completes with the socket's error and
     * the bytes it got out ({@code 0 < size < 32 MiB}, reader index moved by as much); a second write queued behind
     * it and a pending read fail too.
     */
    @Test
    void resetWhileALargeWriteIsHalfDone() throws Exception {
        int total = 32 * 1024 * 1024;
        int peerReads = 256 * 1024;
        CompletionLedger ledger = new CompletionLedger("reset while writing");
        ByteBuf big = directBuffer(total).writeZero(total);
        ByteBuf second = bufferOf(randomBytes(1024, 4));
        try (Loopback lb = Loopback.open();
             Watcher w = newWatcher()) {
            Loopback.Pair victim = lb.connect(ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024));
            Loopback.Pair bystander = lb.connect();
            victim.server.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
            assertEchoes(w, ledger, bystander, 100, 5);

            Long writeId = ledger.open();
            w.write(writeId, victim.server, big);
            Long secondId = ledger.open();
            w.write(secondId, victim.server, second);
            Long readId = ledger.open();
            w.read(readId, victim.server, null);
            readExactly(victim.client, peerReads, WAIT);
            assertNoCompletion(w, Duration.ofMillis(200));

            reset(victim);
            List<OpResult> results = ledger.await(w, 3);
            for (OpResult r : results) {
                assertSame(victim.server, r.connection(), () -> "a completion of another connection: " + r);
                IOException e = assertError(r, IOException.class);
                assertFalse(e instanceof ConnectionClosedException, () -> "the watcher did not free it: " + r);
                assertFalse(e instanceof DeadlineExceededException, () -> "no deadline was set: " + r);
                if (writeId.equals(r.context())) {
                    assertFalse(e instanceof EOFException, () -> "a write cannot end with EOF: " + r);
                    assertTrue(r.size() >= peerReads && r.size() < total,
                            () -> "the half-done write reports " + r.size() + " bytes written; the peer read "
                                    + peerReads + " of " + total);
                    assertEquals(r.size(), big.readerIndex(), "the reader index moved by the bytes written");
                } else if (secondId.equals(r.context())) {
                    assertEquals(Operation.WRITE, r.operation());
                    assertEquals(0, r.size(), () -> "the write queued behind the failed one: " + r);
                } else {
                    assertEquals(readId, r.context());
                    assertEquals(0, r.size());
                }
            }
            System.out.println("half-done write after reset: " + results);
            assertNoCompletion(w, Duration.ofMillis(100));
            assertEchoes(w, ledger, bystander, 64 * 1024, 6);
            ledger.assertSettled();
            ledger.print();
        } finally {
            big.release();
            second.release();
        }
    }

    /**
     * Writing to a peer that is gone (closed in an orderly way, or reset): once a write has failed, ten more writes
     * queued at once all fail with the socket's error (EPIPE or ECONNRESET), each exactly once.
     */
    @ParameterizedTest(name = "peer reset: {0}")
    @ValueSource(booleans = {false, true})
    void writesToAVanishedPeer(boolean linger0) throws Exception {
        int more = 10;
        CompletionLedger ledger = new CompletionLedger("writes to a vanished peer, reset " + linger0);
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(2);
            Loopback.Pair victim = pairs.get(0);
            Loopback.Pair bystander = pairs.get(1);
            assertEchoes(w, ledger, bystander, 100, 7);
            assertEchoes(w, ledger, victim, 100, 8);
            if (linger0) {
                reset(victim);
            } else {
                victim.client.close();
            }
            // The first write to a closed (not reset) peer may still be taken by the kernel; the peer's answer to it
            // is the reset that fails the next ones.
            int tries = 0;
            Throwable first = null;
            while (first == null) {
                assertTrue(++tries <= 100, "100 writes to a vanished peer all succeeded");
                ByteBuf b = bufferOf(randomBytes(64 * 1024, tries));
                buffers.add(b);
                Long id = ledger.open();
                w.write(id, victim.server, b);
                first = ledger.await(w, 1).get(0).error();
            }
            Map<String, Integer> errors = new TreeMap<>();
            errors.merge(first.toString(), 1, Integer::sum);
            for (int i = 0; i < more; i++) {
                ByteBuf b = bufferOf(randomBytes(1000, 100 + i));
                buffers.add(b);
                w.write(ledger.open(), victim.server, b);
            }
            for (OpResult r : ledger.await(w, more)) {
                IOException e = assertError(r, IOException.class);
                assertFalse(e instanceof ConnectionClosedException, () -> "the watcher did not free it: " + r);
                assertFalse(e instanceof EOFException, () -> "a write cannot end with EOF: " + r);
                assertEquals(0, r.size(), () -> "bytes written to a vanished peer: " + r);
                errors.merge(e.toString(), 1, Integer::sum);
            }
            System.out.println("writes to a vanished peer (reset " + linger0 + "), " + tries + " tries to the "
                    + "first error; errors: " + errors);
            assertNoCompletion(w, Duration.ofMillis(100));
            assertEchoes(w, ledger, bystander, 64 * 1024, 9);
            ledger.assertSettled();
            ledger.print();
        } finally {
            releaseQuietly(buffers);
        }
    }

    /** Closes the client end with {@code SO_LINGER 0}, which sends a reset instead of an orderly end of stream. */
    static void reset(Loopback.Pair p) throws IOException {
        p.client.setOption(StandardSocketOptions.SO_LINGER, 0);
        p.client.close();
    }
}
