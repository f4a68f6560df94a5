package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.DeadlineExceededException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that never reads while we write (reliability, hostile peers): sixteen 1 MiB writes with a 2 s deadline
 * queue up on a connection whose peer reads nothing (16 KiB socket buffers). The watcher keeps serving another
 * connection meanwhile, every write completes exactly once with {@link DeadlineExceededException} and the bytes it
 * got out, and memory stays bounded by what the application submitted: the watcher copies nothing, so while the
 * writes are stuck, pinned direct memory is at most {@value #SLACK} bytes above the application's own 16 MiB and the
 * heap after garbage collection at most {@value #HEAP_SLACK} bytes above where it was. Afterwards the peer finds in its
 * socket exactly the bytes the results say were written, in order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowReaderTest extends TransportTestBase {
    private static final int WRITES = 16;
    private static final int SIZE = 1024 * 1024;
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    /** Memory the watcher may add: one swap buffer's worth. */
    static final long SLACK = Watcher.DEFAULT_SWAP_BUFFER_SIZE;
    /** Heap the test and the watcher may add (requests, results, books); a copy of the writes would be 16 MiB. */
    static final long HEAP_SLACK = 1024 * 1024;

    @Test
    void writeDeadlineFiresAndMemoryStaysWithTheApplication() throws Exception {
        CompletionLedger ledger = new CompletionLedger("peer never reads");
        List<ByteBuf> buffers = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher()) {
            Loopback.Pair stuck = lb.connect(ch -> ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024));
            Loopback.Pair bystander = lb.connect();
            stuck.server.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
            // The same echo as below, so that the swap buffers have grown to what 64 KiB echoes take before the
            // first sample: a second chunk taken while a batch still holds the first is the watcher's working
            // set, not a copy of the stuck writes.
            assertEchoes(w, ledger, bystander, 64 * 1024, 30);
            MemorySample before = MemorySample.afterGc();

            Map<Long, ByteBuf> byId = new HashMap<>();
            for (int i = 0; i < WRITES; i++) {
                ByteBuf b = bufferOf(randomBytes(SIZE, 31 + i));
                buffers.add(b);
                Long id = ledger.open();
                byId.put(id, b);
                w.writeTimeout(id, stuck.server, b, DEADLINE);
            }
            long submitted = (long) WRITES * SIZE;
            assertEchoes(w, ledger, bystander, 64 * 1024, 32);
            MemorySample during = MemorySample.afterGc();
            System.out.println("writes stuck on a peer that does not read: before " + before + "; with "
                    + MemorySample.mib(submitted) + " submitted " + during);
            assertTrue(during.directPinned - before.directPinned <= submitted + SLACK, () -> "pinned direct memory "
                    + "grew by more than the " + submitted + " bytes submitted: " + before + " -> " + during);
            assertTrue(during.heap - before.heap <= HEAP_SLACK, () -> "the heap grew: " + before + " -> " + during);

            List<OpResult> results = ledger.await(w, WRITES);
            long written = 0;
            for (OpResult r : results) {
                assertEquals(Operation.WRITE, r.operation());
                assertError(r, DeadlineExceededException.class);
                assertEquals(r.size(), byId.get((Long) r.context()).readerIndex(), () -> "reader index of " + r);
                written += r.size();
            }
            assertTrue(written < submitted, "a peer that reads nothing took everything");
            assertNoCompletion(w, Duration.ofMillis(200));
            byte[] arrived = drain(stuck, written);
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int i = 0; stream.size() < written; i++) {
                stream.writeBytes(randomBytes(SIZE, 31 + i));
            }
            byte[] expected = new byte[(int) written];
            System.arraycopy(stream.toByteArray(), 0, expected, 0, expected.length);
            assertArrayEquals(expected, arrived, "the bytes the peer finds are those the results report written");
            System.out.println("the peer got " + written + " bytes before the deadline; results " + results.size());
            ledger.assertSettled();
            ledger.print();
        } finally {
            releaseQuietly(buffers);
        }
    }

    /** Reads what the peer's socket holds until nothing more comes for half a second; fails on more than expected. */
    private static byte[] drain(Loopback.Pair p, long expected) throws Exception {
        p.client.configureBlocking(false);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(500)) {
            b.clear();
            int n = p.client.read(b);
            if (n > 0) {
                got.write(b.array(), 0, n);
                quietSince = System.nanoTime();
                assertTrue(got.size() <= expected, () -> "the peer got " + got.size() + " bytes, the results say "
                        + expected + " were written");
            } else {
                Thread.sleep(10);
            }
        }
        return got.toByteArray();
    }
}
