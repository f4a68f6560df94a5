package io.gaio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The watcher's swap buffers: pooled direct chunks that reads submitted without a buffer fill one after another.
 *
 * <p>A read takes the free tail of the current chunk; its result is a slice of the chunk. Every completion batch
 * that holds such slices keeps a reference on the chunk until the next {@code waitIO()}, so bytes handed out are
 * never overwritten: the loop only ever writes into a chunk's untouched tail, and a chunk goes back to the pool when
 * its last reference is released. A connection takes swap space only at the moment bytes arrive, so an idle
 * connection with a pending read holds none.
 *
 * <p>The number of live chunks is bounded. At the bound, {@link #slot()} returns {@code null}; the engine parks the
 * read and is told through {@code onRelief} when a consumer releases a chunk.
 */
final class SwapBuffers {
    private final ByteBufAllocator allocator;
    private final int chunkSize;
    private final int minTail;
    private final int maxChunks;
    private final Runnable onRelief;
    private final AtomicInteger liveChunks = new AtomicInteger();
    private volatile boolean starving;
    private ByteBuf current;

    SwapBuffers(ByteBufAllocator allocator, int chunkSize, int maxChunks, Runnable onRelief) {
        this.allocator = allocator;
        this.chunkSize = chunkSize;
        // Reading into a small tail would cut messages into small pieces; take a fresh chunk instead.
        this.minTail = Math.max(1, chunkSize / 4);
        this.maxChunks = maxChunks;
        this.onRelief = onRelief;
    }

    /**
     * The chunk to read into, at its writer index; {@code null} when the bound on live chunks is reached.
     * Loop thread only.
     */
    ByteBuf slot() {
        if (current != null && current.writableBytes() >= minTail) {
            return current;
        }
        retireCurrent();
        if (liveChunks.get() >= maxChunks) {
            starving = true;
            // Re-check after publishing the flag, or a release in between would go unnoticed.
            if (liveChunks.get() >= maxChunks) {
                return null;
            }
        }
        current = allocator.directBuffer(chunkSize, chunkSize);
        liveChunks.incrementAndGet();
        return current;
    }

    /** Drops the loop's own reference on the current chunk, for example when the watcher closes. Loop thread only. */
    void retireCurrent() {
        if (current != null) {
            ByteBuf chunk = current;
            current = null;
            release(chunk);
        }
    }

    /** Releases one reference on a chunk. Any thread. */
    void release(ByteBuf chunk) {
        if (chunk.release()) {
            liveChunks.decrementAndGet();
            if (starving) {
                starving = false;
                onRelief.run();
            }
        }
    }

    int liveChunks() {
        return liveChunks.get();
    }
}
