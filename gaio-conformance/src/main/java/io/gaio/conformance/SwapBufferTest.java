package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.conformance.EchoServer.ReadMode;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The swap buffer (rules 1, 10 and 11; gaio's TestSwapBufferRandom and TestSwapBufferFull): reads without a
 * buffer return slices of the watcher's swap buffers that stay intact until the next {@code waitIO()}, never hold
 * more than one swap buffer's size, and keep working when thousands of connections exhaust the configured bound of
 * swap buffers, including when the caller keeps slices with {@code retain()} and releases them later.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SwapBufferTest extends TransportTestBase {
    private static final int SMALL_SWAP = 4096;
    private static final int FEW_SWAPS = 4;

    /** 4,096 clients; every server read picks the swap buffer or its own 512-byte buffer at random. */
    @Test
    void randomMixOfSwapAndCallerBuffers() throws Exception {
        runEcho(newWatcher(), ReadMode.RANDOM, 512, 4096, 2, 1024, 400, Duration.ofSeconds(90));
    }

    /**
     * 4,096 clients send 1 KiB at once to a watcher with only four 4 KiB swap buffers: the bound is hit over and
     * over, yet every byte must arrive intact and no read may starve for good.
     */
    @Test
    void exhaustedSwapBuffers() throws Exception {
        Watcher w = build(newWatcherBuilder().swapBufferSize(SMALL_SWAP).maxSwapBuffers(FEW_SWAPS));
        runEcho(w, ReadMode.SWAP_BUFFER, 1024, 4096, 2, 1024, 500, Duration.ofSeconds(90));
    }

    /**
     * As {@link #exhaustedSwapBuffers()}, but the server keeps each slice past the next {@code waitIO()} with
     * {@code retain()}, writes the slice itself back and releases it when the write completed, as {@code OpResult}
     * allows. Releasing a retained slice must give its swap space back to the watcher.
     */
    @Test
    void retainedSlicesReleasedLater() throws Exception {
        Watcher w = build(newWatcherBuilder().swapBufferSize(SMALL_SWAP).maxSwapBuffers(FEW_SWAPS));
        runEcho(w, ReadMode.SWAP_RETAINED, 1024, 256, 4, 1024, 600, Duration.ofSeconds(60));
    }

    /** A read without a buffer returns at most one swap buffer's worth, as a slice of exactly {@code size} bytes. */
    @Test
    void swapReadNeverExceedsTheSwapBufferSize() throws Exception {
        byte[] data = randomBytes(256 * 1024, 700);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect();
             Watcher w = build(newWatcherBuilder().swapBufferSize(SMALL_SWAP))) {
            sendAll(p.client, data);
            while (got.size() < data.length) {
                Object ctx = got.size();
                w.read(ctx, p.server, null);
                collect(w, 1, WAIT, r -> {
                    assertCompletes(r, Operation.READ, ctx, p.server);
                    assertSuccess(r);
                    assertTrue(r.isSwapBuffer(), () -> "a read without a buffer must say it used the swap buffer: " + r);
                    assertNotNull(r.buffer());
                    assertTrue(r.size() > 0 && r.size() <= SMALL_SWAP,
                            () -> "a swap read returned " + r.size() + " bytes, the swap buffer holds " + SMALL_SWAP);
                    assertEquals(r.size(), r.buffer().readableBytes(), "readable bytes of the slice");
                    got.writeBytes(readable(r.buffer()));
                });
            }
            assertArrayEquals(data, got.toByteArray());
        }
    }

    /**
     * The slices of the batch just returned stay intact while the watcher goes on reading into the swap buffer for
     * new reads: 64 connections, each result's bytes checked again after more swap reads were served.
     */
    @Test
    void slicesStayValidUntilTheNextWaitIO() throws Exception {
        int n = 64;
        int rounds = 8;
        try (Loopback lb = Loopback.open(); Watcher w = build(newWatcherBuilder().swapBufferSize(SMALL_SWAP))) {
            List<Loopback.Pair> pairs = lb.connect(n);
            Map<Object, Integer> index = new IdentityHashMap<>();
            int[] round = new int[n];
            int[] received = new int[n];
            for (int i = 0; i < n; i++) {
                index.put(pairs.get(i).server, i);
                w.read(i, pairs.get(i).server, null);
                sendAll(pairs.get(i).client, message(i, 0));
            }
            int finished = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (finished < n) {
                assertTrue(System.nanoTime() - deadline < 0, "the swap reads did not all complete in time");
                List<OpResult> batch = w.waitIO(Duration.ofMillis(500));
                Map<OpResult, byte[]> seen = new HashMap<>();
                for (OpResult r : batch) {
                    int i = index.get(r.connection());
                    assertCompletes(r, Operation.READ, i, pairs.get(i).server);
                    assertSuccess(r);
                    assertTrue(r.isSwapBuffer());
                    byte[] bytes = readable(r.buffer());
                    byte[] want = message(i, round[i]);
                    assertArrayEquals(Arrays.copyOfRange(want, received[i], received[i] + bytes.length), bytes,
                            "bytes of connection " + i + " in round " + round[i]);
                    seen.put(r, bytes);
                    received[i] += bytes.length;
                    if (received[i] == want.length) {
                        received[i] = 0;
                        if (++round[i] == rounds) {
                            finished++;
                            continue;
                        }
                        sendAll(pairs.get(i).client, message(i, round[i]));
                    }
                    w.read(i, pairs.get(i).server, null);
                }
                // The watcher now reads the next messages into swap space while this batch is still held.
                if (!batch.isEmpty()) {
                    Thread.sleep(20);
                }
                for (Map.Entry<OpResult, byte[]> e : seen.entrySet()) {
                    assertArrayEquals(e.getValue(), readable(e.getKey().buffer()),
                            () -> "a slice of the current batch was overwritten before the next waitIO(): "
                                    + e.getKey());
                }
            }
        }
    }

    private static byte[] message(int connection, int round) {
        return randomBytes(300 + 97 * round, 800L * 1000 + connection * 31L + round);
    }

    /**
     * Swap space comes back when the caller releases a slice it retained, also when the caller's release is the
     * last one (the watcher moved on to other swap buffers meanwhile). Sixteen times: read one swap buffer's worth
     * and retain every slice, read as much again so the watcher retires that swap buffer, then release the
     * retained slices. With only four swap buffers allowed, space that never comes back starves the reads.
     */
    @Test
    void releasingRetainedSlicesGivesSwapSpaceBack() throws Exception {
        List<ByteBuf> held = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect();
             Watcher w = build(newWatcherBuilder().swapBufferSize(SMALL_SWAP).maxSwapBuffers(FEW_SWAPS))) {
            for (int cycle = 0; cycle < 16; cycle++) {
                byte[] kept = randomBytes(SMALL_SWAP, 1000 + cycle);
                byte[] passed = randomBytes(SMALL_SWAP, 2000 + cycle);
                sendAll(p.client, kept);
                assertArrayEquals(kept, readSwap(w, p.server, kept.length, held), "cycle " + cycle);
                sendAll(p.client, passed);
                assertArrayEquals(passed, readSwap(w, p.server, passed.length, null), "cycle " + cycle);
                releaseQuietly(held);
                held.clear();
            }
        } finally {
            releaseQuietly(held);
        }
    }

    /** Reads {@code n} bytes with swap-buffer reads, retaining every slice into {@code retain} unless it is null. */
    private static byte[] readSwap(Watcher w, Object conn, int n, List<ByteBuf> retain) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            w.read(null, conn, null);
            collect(w, 1, Duration.ofSeconds(10), r -> {
                assertSuccess(r);
                assertTrue(r.isSwapBuffer());
                got.writeBytes(readable(r.buffer()));
                if (retain != null) {
                    retain.add(r.buffer().retain());
                }
            });
        }
        return got.toByteArray();
    }

    /** A slice retained past the next {@code waitIO()} keeps its bytes until the caller releases it. */
    @Test
    void retainedSliceOutlivesTheBatch() throws Exception {
        byte[] first = randomBytes(1000, 900);
        byte[] second = randomBytes(1000, 901);
        List<ByteBuf> kept = new ArrayList<>();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect();
             Watcher w = build(newWatcherBuilder().swapBufferSize(SMALL_SWAP))) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            sendAll(p.client, first);
            while (got.size() < first.length) {
                w.read(null, p.server, null);
                collect(w, 1, WAIT, r -> {
                    assertSuccess(r);
                    kept.add(r.buffer().retain());
                    got.writeBytes(readable(r.buffer()));
                });
            }
            sendAll(p.client, second);
            int secondGot = 0;
            while (secondGot < second.length) {
                w.read(null, p.server, null);
                secondGot += awaitResult(w).size();
            }
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            for (ByteBuf b : kept) {
                again.writeBytes(readable(b));
            }
            assertArrayEquals(first, again.toByteArray(), "retained slices after later reads into the swap buffer");
        } finally {
            releaseQuietly(kept);
        }
    }
}
