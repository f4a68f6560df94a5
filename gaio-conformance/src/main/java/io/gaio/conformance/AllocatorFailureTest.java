package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The swap-buffer allocator failing (reliability): when the allocator given to {@code Watcher.builder().allocator()}
 * throws while a read without a buffer needs a fresh swap buffer (direct memory exhausted, or any bug), that read
 * completes with the very error thrown, no byte is lost, the next read succeeds, and the watcher goes on serving
 * its other connections. Each request completes exactly once ({@link CompletionLedger}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AllocatorFailureTest extends TransportTestBase {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("OutOfMemoryError", (Supplier<Throwable>) () ->
                        new OutOfMemoryError("Direct buffer memory (thrown on purpose by the test's allocator)")),
                Arguments.of("RuntimeException", (Supplier<Throwable>) () ->
                        new IllegalStateException("allocation failed on purpose by the test's allocator")));
    }

    /**
     * The first swap buffer of a new watcher cannot be allocated: bytes are waiting when the first read without a
     * buffer is submitted, and it completes with the allocator's error; the next read gets a swap buffer and every
     * byte.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void firstSwapBufferFails(String kind, Supplier<Throwable> failure) throws Exception {
        FailingAllocator allocator = new FailingAllocator();
        CompletionLedger ledger = new CompletionLedger("first swap buffer fails: " + kind);
        try (Loopback lb = Loopback.open(); Watcher w = build(newWatcherBuilder().allocator(allocator))) {
            List<Loopback.Pair> pairs = lb.connect(2);
            Loopback.Pair victim = pairs.get(0);
            byte[] data = randomBytes(1000, 20);
            sendAll(victim.client, data);
            Throwable error = failure.get();
            allocator.failNext(error);
            Long failing = ledger.open();
            w.read(failing, victim.server, null);
            OpResult failed = ledger.await(w, 1).get(0);
            assertCompletes(failed, Operation.READ, failing, victim.server);
            assertSame(error, failed.error(), () -> "the read must fail with the allocator's error: " + failed);
            assertEquals(0, failed.size());
            assertNull(failed.buffer(), "a failed swap-buffer read has no buffer");
            assertEquals(1, allocator.failed.get(), "failed allocations");

            assertArrayEquals(data, readAll(w, ledger, victim, data.length), "the bytes waiting at the failure");
            assertEchoes(w, ledger, pairs.get(1), 64 * 1024, 21);
            ledger.assertSettled();
            ledger.print();
        }
    }

    /**
     * Bytes arrive for a pending read while every swap buffer is in use, and the fresh one cannot be allocated. With
     * swap buffers of 64 bytes: a read is pending on one connection; another connection's read fills the current
     * swap buffer and the caller retains its slice; then the allocator fails, and bytes arrive for the pending read.
     * It completes with the allocator's error, no byte is lost: the next read gets them all, and the retained slice
     * is intact.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void freshSwapBufferFailsWhenBytesArrive(String kind, Supplier<Throwable> failure) throws Exception {
        int swapSize = 64;
        FailingAllocator allocator = new FailingAllocator();
        CompletionLedger ledger = new CompletionLedger("fresh swap buffer fails: " + kind);
        ByteBuf[] kept = new ByteBuf[1];
        try (Loopback lb = Loopback.open();
             Watcher w = build(newWatcherBuilder().allocator(allocator).swapBufferSize(swapSize))) {
            List<Loopback.Pair> pairs = lb.connect(3);
            Loopback.Pair victim = pairs.get(0);
            Loopback.Pair filler = pairs.get(1);
            Long pending = ledger.open();
            w.read(pending, victim.server, null);
            assertNoCompletion(w, Duration.ofMillis(100));

            byte[] first = randomBytes(swapSize, 22);
            sendAll(filler.client, first);
            Long fillerId = ledger.open();
            w.read(fillerId, filler.server, null);
            collect(w, 1, WAIT, r -> {
                ledger.complete(r);
                assertCompletes(r, Operation.READ, fillerId, filler.server);
                assertSuccess(r);
                assertEquals(swapSize, r.size(), "the filler's read fills the swap buffer");
                kept[0] = r.buffer().retain();
            });
            int allocated = allocator.allocated.get();

            Throwable error = failure.get();
            allocator.failNext(error);
            byte[] data = randomBytes(50, 23);
            sendAll(victim.client, data);
            OpResult failed = ledger.await(w, 1).get(0);
            assertCompletes(failed, Operation.READ, pending, victim.server);
            assertSame(error, failed.error(), () -> "the read must fail with the allocator's error: " + failed);
            assertEquals(1, allocator.failed.get(), "failed allocations");

            assertArrayEquals(data, readAll(w, ledger, victim, data.length), "the bytes of the failed read");
            assertTrue(allocator.allocated.get() > allocated, "the read after the failure took a fresh swap buffer");
            assertArrayEquals(first, readable(kept[0]), "the retained slice is intact");
            assertEchoes(w, ledger, pairs.get(2), 1000, 24);
            ledger.assertSettled();
            ledger.print();
        } finally {
            if (kept[0] != null) {
                kept[0].release();
            }
        }
    }

    /** Reads {@code n} bytes through swap-buffer reads, one after the other. */
    private static byte[] readAll(Watcher w, CompletionLedger ledger, Loopback.Pair p, int n)
            throws InterruptedException {
        ByteBuf got = directBuffer(n);
        try {
            while (got.isWritable()) {
                Long expected = ledger.open();
                w.read(expected, p.server, null);
                collect(w, 1, WAIT, r -> {
                    ledger.complete(r);
                    assertCompletes(r, Operation.READ, expected, p.server);
                    assertSuccess(r);
                    assertTrue(r.isSwapBuffer());
                    assertFalse(r.size() > got.writableBytes(), "more bytes than were sent");
                    got.writeBytes(r.buffer());
                });
            }
            return readable(got);
        } finally {
            got.release();
        }
    }

    /**
     * Allocates from the pooled allocator, except that the next direct allocation after {@link #failNext} throws
     * the given error instead.
     */
    static final class FailingAllocator extends AbstractByteBufAllocator {
        final AtomicReference<Throwable> next = new AtomicReference<>();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger allocated = new AtomicInteger();

        FailingAllocator() {
            super(true);
        }

        /** The next direct allocation throws {@code error} (an unchecked exception or an error). */
        void failNext(Throwable error) {
            next.set(error);
        }

        @Override
        public ByteBuf directBuffer(int initialCapacity, int maxCapacity) {
            Throwable error = next.getAndSet(null);
            if (error != null) {
                failed.incrementAndGet();
                if (error instanceof Error) {
                    throw (Error) error;
                }
                throw (RuntimeException) error;
            }
            allocated.incrementAndGet();
            // The pooled allocator's buffer is leak-tracked already; no second wrapper.
            return PooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return PooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return true;
        }
    }
}
