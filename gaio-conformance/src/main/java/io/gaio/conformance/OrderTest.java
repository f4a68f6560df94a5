package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Order per direction (rule 6): writes queued on one connection go out and complete in submission order, and reads
 * queued on one connection complete in submission order, each taking the next bytes of the stream; this holds for
 * a mix of reads into caller buffers, swap-buffer reads and readFulls.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrderTest extends TransportTestBase {

    /** 200 writes of 1 byte to 64 KiB, submitted at once: bytes and completions in submission order. */
    @Test
    void writesInSubmissionOrder() throws Exception {
        int n = 200;
        Random random = new Random(80);
        List<ByteBuf> buffers = new ArrayList<>();
        List<Object> contexts = new ArrayList<>();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            for (int i = 0; i < n; i++) {
                byte[] data = randomBytes(1 + random.nextInt(i % 10 == 0 ? 64 * 1024 : 100), 81 + i);
                expected.writeBytes(data);
                ByteBuf b = bufferOf(data);
                buffers.add(b);
                contexts.add(i);
                w.write(contexts.get(i), p.server, b);
            }
            byte[] all = expected.toByteArray();
            assertArrayEquals(all, readExactly(p.client, all.length, WAIT));
            List<OpResult> results = awaitResults(w, n);
            for (int i = 0; i < n; i++) {
                OpResult r = results.get(i);
                assertCompletes(r, Operation.WRITE, contexts.get(i), p.server);
                assertSuccess(r);
                assertEquals(buffers.get(i).readerIndex(), r.size());
                assertTrue(!buffers.get(i).isReadable());
            }
        } finally {
            releaseQuietly(buffers);
        }
    }

    /**
     * Reads of several kinds (swap buffer, caller buffer, readFull) queued ten at a time: they complete in
     * submission order, and the bytes they got, in that order, are the stream as sent.
     */
    @Test
    void readsInSubmissionOrder() throws Exception {
        byte[] data = randomBytes(20_000, 90);
        int swapSize = 64;
        int[] maxRead = {swapSize, 97, 13};
        int maxPerRound = 0;
        for (int k = 0; k < 10; k++) {
            maxPerRound += maxRead[k % 3];
        }
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        List<ByteBuf> buffers = new ArrayList<>();
        List<Object> contexts = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect();
             Watcher w = build(newWatcherBuilder().swapBufferSize(swapSize))) {
            sendAll(p.client, data);
            // Stop while every round surely completes: the last readFulls could wait for bytes never sent.
            while (data.length - got.size() >= maxPerRound) {
                int first = contexts.size();
                for (int k = 0; k < 10; k++) {
                    int i = contexts.size();
                    contexts.add(i);
                    ByteBuf b = i % 3 == 0 ? null : directBuffer(maxRead[i % 3]);
                    buffers.add(b);
                    if (i % 3 == 2) {
                        w.readFull(contexts.get(i), p.server, b, null);
                    } else {
                        w.read(contexts.get(i), p.server, b);
                    }
                }
                int[] next = {first};
                collect(w, 10, WAIT, r -> {
                    int i = next[0]++;
                    assertCompletes(r, Operation.READ, contexts.get(i), p.server);
                    assertSuccess(r);
                    assertTrue(r.size() > 0 && r.size() <= maxRead[i % 3], () -> "size of read " + i + ": " + r);
                    if (i % 3 == 2) {
                        assertEquals(13, r.size(), "readFull " + i);
                    }
                    got.writeBytes(readable(r.buffer()));
                });
                for (int j = first; j < contexts.size(); j++) {
                    releaseQuietly(buffers.set(j, null));
                }
            }
            byte[] bytes = got.toByteArray();
            assertArrayEquals(Arrays.copyOf(data, bytes.length), bytes, "the bytes of the reads, in completion order");
        } finally {
            releaseQuietly(buffers);
        }
    }
}
