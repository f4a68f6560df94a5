package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Submissions from many threads at once (rule 7): eight threads submit thousands of writes while another thread
 * collects the completions. Every request completes exactly once, per connection in submission order, and the peers
 * receive every byte in order; when several threads write to one connection, each write arrives whole and each
 * thread's writes keep their order.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConcurrentSubmitTest extends TransportTestBase {
    private static final int THREADS = 8;

    /** Eight threads, four connections each, 250 writes per connection. */
    @Test
    void writesOnDistinctConnections() throws Exception {
        int perThread = 4;
        int writesPerConn = 250;
        int conns = THREADS * perThread;
        int total = conns * writesPerConn;
        byte[][] payload = new byte[total][];
        ByteArrayOutputStream[] streams = new ByteArrayOutputStream[conns];
        Random random = new Random(30);
        for (int c = 0; c < conns; c++) {
            streams[c] = new ByteArrayOutputStream();
            for (int k = 0; k < writesPerConn; k++) {
                int id = c * writesPerConn + k;
                payload[id] = randomBytes(1 + random.nextInt(600), 31L * 100_000 + id);
                streams[c].writeBytes(payload[id]);
            }
        }
        AtomicReferenceArray<ByteBuf> buffers = new AtomicReferenceArray<>(total);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        try (Loopback lb = Loopback.open(); Watcher w = newWatcher(); ClientDriver peers = new ClientDriver()) {
            List<Loopback.Pair> pairs = lb.connect(conns);
            for (int c = 0; c < conns; c++) {
                peers.addReceiver(pairs.get(c).client, streams[c].toByteArray());
            }
            Future<?> receiving = pool.submit(() -> {
                peers.run(WAIT);
                return null;
            });
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> submitters = new ArrayList<>();
            List<Loopback.Pair> all = pairs;
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                submitters.add(pool.submit(() -> {
                    go.await();
                    for (int k = 0; k < writesPerConn; k++) {
                        for (int j = 0; j < perThread; j++) {
                            int c = thread * perThread + j;
                            int id = c * writesPerConn + k;
                            ByteBuf b = bufferOf(payload[id]);
                            buffers.set(id, b);
                            w.write(id, all.get(c).server, b);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            BitSet done = new BitSet(total);
            int[] lastDone = new int[conns];
            Arrays.fill(lastDone, -1);
            collect(w, total, WAIT, r -> {
                int id = (Integer) r.context();
                int c = id / writesPerConn;
                assertEquals(Operation.WRITE, r.operation());
                assertSame(all.get(c).server, r.connection());
                assertTrue(!done.get(id), () -> "write " + id + " completed twice");
                done.set(id);
                assertTrue(id > lastDone[c], () -> "write " + id + " completed after write " + lastDone[c]
                        + " of the same connection, which was submitted later");
                lastDone[c] = id;
                assertSuccess(r);
                assertEquals(payload[id].length, r.size());
                assertSame(buffers.get(id), r.buffer());
                buffers.getAndSet(id, null).release();
            });
            for (Future<?> f : submitters) {
                f.get(10, TimeUnit.SECONDS);
            }
            receiving.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            for (int i = 0; i < total; i++) {
                releaseQuietly(buffers.get(i));
            }
        }
    }

    /**
     * Eight threads write 200 records each to the same connection. The peer parses the stream: every record
     * arrives whole, once, and each thread's records arrive in the order that thread submitted them.
     */
    @Test
    void writesOnOneConnectionStayWhole() throws Exception {
        int perThread = 200;
        int total = THREADS * perThread;
        AtomicReferenceArray<ByteBuf> buffers = new AtomicReferenceArray<>(total);
        int[] lengths = new int[total];
        long streamLength = 0;
        for (int id = 0; id < total; id++) {
            lengths[id] = 7 + (id * 37) % 500;
            streamLength += lengths[id];
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            // Delegate first, so that the threads race only on submission, not on who delegates.
            sendAll(p.client, new byte[] {1});
            w.read(null, p.server, null);
            assertSuccess(awaitResult(w));
            int streamBytes = (int) streamLength;
            Future<byte[]> received = pool.submit(() -> readExactly(p.client, streamBytes, WAIT));
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> submitters = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                submitters.add(pool.submit(() -> {
                    go.await();
                    for (int seq = 0; seq < perThread; seq++) {
                        int id = thread * perThread + seq;
                        ByteBuf b = directBuffer(lengths[id]);
                        b.writeByte(thread).writeInt(seq).writeShort(lengths[id]);
                        while (b.isWritable()) {
                            b.writeByte((byte) (id + b.writerIndex()));
                        }
                        buffers.set(id, b);
                        w.write(id, p.server, b);
                    }
                    return null;
                }));
            }
            go.countDown();
            int[] lastSeq = new int[THREADS];
            Arrays.fill(lastSeq, -1);
            BitSet done = new BitSet(total);
            collect(w, total, WAIT, r -> {
                int id = (Integer) r.context();
                int thread = id / perThread;
                int seq = id % perThread;
                assertTrue(!done.get(id), () -> "write " + id + " completed twice");
                done.set(id);
                assertTrue(seq > lastSeq[thread], () -> "thread " + thread + ": write " + seq
                        + " completed after its later write " + lastSeq[thread]);
                lastSeq[thread] = seq;
                assertSuccess(r);
                assertEquals(lengths[id], r.size());
                buffers.getAndSet(id, null).release();
            });
            for (Future<?> f : submitters) {
                f.get(10, TimeUnit.SECONDS);
            }
            ByteBuffer stream = ByteBuffer.wrap(received.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            int[] nextSeq = new int[THREADS];
            while (stream.hasRemaining()) {
                int at = stream.position();
                int thread = stream.get();
                int seq = stream.getInt();
                int length = stream.getShort();
                if (thread < 0 || thread >= THREADS || seq != nextSeq[thread]) {
                    fail("record at offset " + at + ": thread " + thread + " seq " + seq + ", expected seq "
                            + (thread >= 0 && thread < THREADS ? nextSeq[thread] : "-") + ": writes interleaved "
                            + "or out of order");
                }
                int id = thread * perThread + seq;
                assertEquals(lengths[id], length, "length of record " + id + " at offset " + at);
                for (int i = 7; i < length; i++) {
                    assertEquals((byte) (id + i), stream.get(), "byte " + i + " of record " + id);
                }
                nextSeq[thread]++;
            }
            for (int t = 0; t < THREADS; t++) {
                assertEquals(perThread, nextSeq[t], "records of thread " + t);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            for (int i = 0; i < total; i++) {
                releaseQuietly(buffers.get(i));
            }
        }
    }
}
