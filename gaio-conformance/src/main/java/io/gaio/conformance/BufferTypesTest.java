package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.WrappedByteBuf;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The caller's buffers, whatever kind of {@link ByteBuf} they are (rule 1 and 4): heap, direct, composite of
 * several components, slices and read-only views for writing. A read fills from the writer index up to
 * {@code writableBytes()} and never beyond (the buffer does not grow); a write sends exactly the readable bytes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferTypesTest extends TransportTestBase {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** Kinds of buffer with 64 writable bytes. */
    enum Kind {
        HEAP(() -> ALLOC.heapBuffer(64, 64)),
        DIRECT(() -> ALLOC.directBuffer(64, 64)),
        UNPOOLED_HEAP(() -> Unpooled.buffer(64, 64)),
        COMPOSITE(() -> composite(ALLOC.directBuffer(16, 16), ALLOC.heapBuffer(16, 16), ALLOC.directBuffer(32, 32))),
        SLICE_OF_LARGER(() -> ALLOC.directBuffer(256, 256).writerIndex(100).slice(100, 64).clear());

        final Supplier<ByteBuf> make;

        Kind(Supplier<ByteBuf> make) {
            this.make = make;
        }
    }

    /** A composite whose writable space spans all the given components. */
    private static ByteBuf composite(ByteBuf... parts) {
        CompositeByteBuf c = ALLOC.compositeDirectBuffer(parts.length);
        for (ByteBuf part : parts) {
            c.addComponent(true, part.writeZero(part.writableBytes()));
        }
        return c.clear();
    }

    /** A read fills the buffer of each kind with the bytes that arrived, from its writer index on. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void readInto(Kind kind) throws Exception {
        byte[] data = randomBytes(64, 100 + kind.ordinal());
        ByteBuf buf = kind.make.get();
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            assertEquals(64, buf.writableBytes(), "test setup");
            sendAll(p.client, data);
            w.readFull(kind, p.server, buf, null);
            List<OpResult> results = new ArrayList<>();
            collect(w, 1, Duration.ofSeconds(10), results::add);
            OpResult r = results.get(0);
            assertCompletes(r, Operation.READ, kind, p.server);
            assertSuccess(r);
            assertSame(buf, r.buffer());
            assertEquals(64, r.size());
            assertArrayEquals(data, readable(buf));
        } finally {
            buf.release();
        }
    }

    /** A write sends the readable bytes of each kind of buffer, also of read-only views. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void writeFrom(Kind kind) throws Exception {
        byte[] data = randomBytes(64, 200 + kind.ordinal());
        ByteBuf buf = kind.make.get().writeBytes(data);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            ByteBuf readOnly = buf.duplicate().asReadOnly();
            w.write(kind, p.server, buf);
            w.write("read-only", p.server, readOnly);
            assertArrayEquals(data, readExactly(p.client, 64, WAIT));
            assertArrayEquals(data, readExactly(p.client, 64, WAIT));
            for (OpResult r : awaitResults(w, 2)) {
                assertSuccess(r);
                assertEquals(64, r.size());
            }
            assertEquals(64, buf.readerIndex());
        } finally {
            buf.release();
        }
    }

    /** A read appends after bytes already in the buffer and stops at its capacity, even if it could grow. */
    @Test
    void readAppendsAndNeverGrowsTheBuffer() throws Exception {
        byte[] data = randomBytes(100, 300);
        ByteBuf buf = ALLOC.directBuffer(16, 1024).writeBytes(new byte[] {1, 2, 3, 4, 5, 6});
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, data);
            w.read(null, p.server, buf);
            OpResult r = awaitResult(w);
            assertSuccess(r);
            assertEquals(10, r.size(), "a read returns at most the writable bytes offered");
            assertEquals(16, buf.capacity(), "the buffer must not grow");
            byte[] got = readable(buf);
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, Arrays.copyOf(got, 6));
            assertArrayEquals(Arrays.copyOf(data, 10), Arrays.copyOfRange(got, 6, 16));
        } finally {
            buf.release();
        }
    }

    /** A write starts at the reader index and sends only the readable bytes. */
    @Test
    void writeSendsOnlyReadableBytes() throws Exception {
        byte[] data = randomBytes(100, 301);
        ByteBuf buf = ALLOC.directBuffer(200).writeBytes(data);
        buf.readerIndex(40);
        buf.writerIndex(90);
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            w.write(null, p.server, buf);
            OpResult r = awaitResult(w);
            assertSuccess(r);
            assertEquals(50, r.size());
            assertEquals(90, buf.readerIndex());
            assertArrayEquals(Arrays.copyOfRange(data, 40, 90), readExactly(p.client, 50, WAIT));
            sendAll(p.client, new byte[] {0});
            w.read(null, p.server, null);
            assertTrue(awaitResult(w).isSuccess(), "the connection goes on after the write");
        } finally {
            buf.release();
        }
    }

    /**
     * A buffer that throws whenever bytes are moved through it by NIO-style access: each request on it must still
     * complete exactly once (with an error, or with the right bytes if the transport found another way), not
     * vanish and leave the connection stuck.
     */
    @Test
    void failingBufferStillCompletesTheRequest() throws Exception {
        byte[] data = randomBytes(64, 302);
        ByteBuf in = new FaultyBuffer(Unpooled.buffer(64, 64));
        ByteBuf out = new FaultyBuffer(Unpooled.buffer(64, 64).writeBytes(data));
        try (Loopback lb = Loopback.open(); Loopback.Pair p = lb.connect(); Watcher w = newWatcher()) {
            sendAll(p.client, data);
            w.read("read", p.server, in);
            w.write("write", p.server, out);
            List<OpResult> results = new ArrayList<>();
            collect(w, 2, Duration.ofSeconds(10), results::add);
            for (OpResult r : results) {
                assertCompletes(r, r.operation(), r.operation() == Operation.READ ? "read" : "write", p.server);
                if (r.isSuccess() && r.operation() == Operation.READ) {
                    assertArrayEquals(Arrays.copyOf(data, r.size()), readable(in));
                } else if (r.isSuccess()) {
                    assertEquals(64, r.size());
                }
            }
            assertNoCompletion(w, Duration.ofMillis(200));
        } finally {
            in.release();
            out.release();
        }
    }

    /** A heap buffer whose NIO views and buffer-to-buffer copies fail. */
    private static final class FaultyBuffer extends WrappedByteBuf {
        FaultyBuffer(ByteBuf heap) {
            super(heap);
        }

        private static IllegalStateException fault() {
            return new IllegalStateException("this test buffer refuses NIO access");
        }

        @Override
        public int nioBufferCount() {
            return 1;
        }

        @Override
        public ByteBuffer nioBuffer(int index, int length) {
            throw fault();
        }

        @Override
        public ByteBuffer[] nioBuffers(int index, int length) {
            throw fault();
        }

        @Override
        public ByteBuffer internalNioBuffer(int index, int length) {
            throw fault();
        }

        @Override
        public boolean hasArray() {
            return false;
        }

        @Override
        public byte[] array() {
            throw fault();
        }

        @Override
        public ByteBuf getBytes(int index, ByteBuffer dst) {
            throw fault();
        }

        @Override
        public ByteBuf setBytes(int index, ByteBuffer src) {
            throw fault();
        }

        @Override
        public int getBytes(int index, GatheringByteChannel out, int length) {
            throw fault();
        }

        @Override
        public int setBytes(int index, ScatteringByteChannel in, int length) {
            throw fault();
        }
    }
}
