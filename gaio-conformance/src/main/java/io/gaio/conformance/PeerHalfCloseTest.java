package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that half-closes ({@code shutdownOutput}): the end of its stream is the end of our reads only. Our reads
 * complete with {@link EOFException} (size 0, every time), while our writes, pending or submitted afterwards, still
 * succeed and the peer receives every byte. Each request completes exactly once ({@link CompletionLedger}), and a
 * second connection of the watcher echoes afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerHalfCloseTest extends TransportTestBase {

    /** The peer shuts its output down; afterwards ten 64 KiB writes succeed, and reads keep getting EOF. */
    @Test
    void writesSucceedAfterThePeerShutsDownItsOutput() throws Exception {
        int writes = 10;
        int size = 64 * 1024;
        CompletionLedger ledger = new CompletionLedger("writes after half-close");
        List<ByteBuf> buffers = new ArrayList<>();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            List<Loopback.Pair> pairs = lb.connect(2);
            Loopback.Pair half = pairs.get(0);
            Loopback.Pair bystander = pairs.get(1);
            assertEchoes(w, ledger, bystander, 100, 10);
            Long readId = ledger.open();
            w.read(readId, half.server, null);
            assertNoCompletion(w, Duration.ofMillis(100));

            half.client.shutdownOutput();
            OpResult eof = ledger.await(w, 1).get(0);
            assertCompletes(eof, Operation.READ, readId, half.server);
            assertError(eof, EOFException.class);
            assertEquals(0, eof.size());

            for (int i = 0; i < writes; i++) {
                byte[] data = randomBytes(size, 11 + i);
                expected.writeBytes(data);
                ByteBuf b = bufferOf(data);
                buffers.add(b);
                w.write(ledger.open(), half.server, b);
            }
            byte[] received = readExactly(half.client, writes * size, WAIT);
            for (OpResult r : ledger.await(w, writes)) {
                assertSuccess(r);
                assertEquals(size, r.size());
            }
            assertArrayEquals(expected.toByteArray(), received, "what the half-closed peer received");

            Long again = ledger.open();
            w.read(again, half.server, null);
            OpResult r = ledger.await(w, 1).get(0);
            assertCompletes(r, Operation.READ, again, half.server);
            assertError(r, EOFException.class);
            assertNoCompletion(w, Duration.ofMillis(100));
            assertEchoes(w, ledger, bystander, 64 * 1024, 12);
            ledger.assertSettled();
            ledger.print();
        } finally {
            releaseQuietly(buffers);
        }
    }

    /**
     * A 4 MiB write is stuck (the peer does not read yet) and a read pending when the peer shuts its output down:
     * the read ends with EOF at once, the write stays pending, and completes successfully once the peer reads.
     */
    @Test
    void aPendingWriteSurvivesTheEndOfThePeersStream() throws Exception {
        int total = 4 * 1024 * 1024;
        CompletionLedger ledger = new CompletionLedger("pending write over half-close");
        byte[] data = randomBytes(total, 13);
        ByteBuf big = bufferOf(data);
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            Loopback.Pair half = lb.connect(ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024));
            Loopback.Pair bystander = lb.connect();
            half.server.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
            Long writeId = ledger.open();
            w.write(writeId, half.server, big);
            Long readId = ledger.open();
            w.read(readId, half.server, null);
            assertNoCompletion(w, Duration.ofMillis(200));

            half.client.shutdownOutput();
            OpResult eof = ledger.await(w, 1).get(0);
            assertCompletes(eof, Operation.READ, readId, half.server);
            assertError(eof, EOFException.class);
            assertEchoes(w, ledger, bystander, 1000, 14);

            assertArrayEquals(data, readExactly(half.client, total, WAIT), "what the half-closed peer received");
            OpResult written = ledger.await(w, 1).get(0);
            assertCompletes(written, Operation.WRITE, writeId, half.server);
            assertSuccess(written);
            assertEquals(total, written.size());
            ledger.assertSettled();
            ledger.print();
        } finally {
            big.release();
        }
    }
}
