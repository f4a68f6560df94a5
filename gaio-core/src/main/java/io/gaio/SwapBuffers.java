package io.gaio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;

/**
 * The watcher's swap buffers: pooled direct chunks that reads submitted without a buffer fill one after another.
 *
 * <p>A read takes the free tail of the current chunk; its result is a slice of the chunk. The engine keeps one
 * reference on every chunk it allocated, and every completion batch holding slices of a chunk keeps another until
 * the next {@code waitIO()}; a caller that {@code retain()}s a slice keeps one more. So a chunk whose reference count
 * is back to the engine's own 1 is referenced by nobody and can be rewritten from the start: that is how the chunks
 * rotate, and why bytes handed out are never overwritten. A connection takes swap space only at the moment bytes
 * arrive, so an idle connection with a pending read holds none.
 *
 * <p>At most {@code maxChunks} chunks exist. When all are in use, {@link #slot()} returns {@code null}; the engine
 * parks the read and retries when a batch is released ({@code onRelief}) or the caller submits again.
 * Loop thread only, except {@link #release}.
 */
final class SwapBuffers {
    final int chunkSize;
    final int maxChunks;
    private final ByteBufAllocator allocator;
    private final int minTail;
    private final Runnable onRelief;
    private final Counters counters;
    /** Every chunk but the current one, oldest first; each holds the engine's reference. */
    private final ArrayDeque<ByteBuf> retired = new ArrayDeque<>();
    private volatile boolean starving;
    private ByteBuf current;

    SwapBuffers(ByteBufAllocator allocator, int chunkSize, int maxChunks, Runnable onRelief, Counters counters) {
        this.allocator = allocator;
        this.counters = counters;
        this.chunkSize = chunkSize;
        // Reading into a small tail would cut messages into small pieces; take a fresh chunk instead.
        this.minTail = Math.max(1, chunkSize / 4);
        this.maxChunks = maxChunks;
        this.onRelief = onRelief;
    }

    /** The chunk to read into, at its writer index; {@code null} when every chunk is still referenced. */
    ByteBuf slot() {
        if (current != null && current.writableBytes() >= minTail) {
            return current;
        }
        if (current != null) {
            retired.add(current);
            current = null;
        }
        current = reuse();
        if (current == null && retired.size() < maxChunks) {
            current = allocator.directBuffer(chunkSize, chunkSize);
            counters.setRelease(Counters.SWAP_BUFFERS, retired.size() + 1);
        }
        if (current == null) {
            starving = true;
            // A release between the scan and the flag would wake nobody: look once more.
            current = reuse();
        }
        return current;
    }

    /** The oldest chunk nobody references any more, cleared; the oldest is the likeliest to be free. */
    private ByteBuf reuse() {
        for (int i = retired.size(); i > 0; i--) {
            ByteBuf chunk = retired.poll();
            if (chunk.refCnt() == 1) {
                return chunk.clear();
            }
            retired.add(chunk);
        }
        return null;
    }

    /** Releases a completion batch's reference on a chunk, and wakes parked reads. Any thread. */
    void release(ByteBuf chunk) {
        chunk.release();
        if (starving) {
            starving = false;
            onRelief.run();
        }
    }

    /** Releases the engine's references, when the watcher closes. */
    void close() {
        if (current != null) {
            current.release();
            current = null;
        }
        for (ByteBuf chunk; (chunk = retired.poll()) != null; ) {
            chunk.release();
        }
        counters.setRelease(Counters.SWAP_BUFFERS, 0);
    }
}
