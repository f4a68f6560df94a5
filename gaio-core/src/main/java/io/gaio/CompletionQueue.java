package io.gaio;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hand-off of completions from the event loop to the thread in {@code waitIO()}, or to a
 * {@link CompletionHandler} on the loop.
 *
 * <p>The loop {@link #stage stages} results without locking and {@link #publish publishes} them once per loop pass,
 * so the lock is taken per batch, not per completion. The consumer {@link #take takes} everything published as one
 * batch. Each batch holds one reference on every swap chunk its results point into; the consumer releases them at
 * its next {@code take}, which is what keeps a batch's swap-buffer slices valid until the next {@code waitIO()}.
 *
 * <p>A closing watcher publishes its last batch, then {@link #finish finishes} the queue: {@code take} returns what
 * is published, then throws {@link WatcherClosedException}; anything staged later (a lent buffer the transport
 * returned after the close gave up waiting) is dropped.
 */
final class CompletionQueue {
    private final SwapBuffers swap;
    private final String transport;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();

    // Loop thread only.
    private ArrayList<OpResult> staged = new ArrayList<>();
    private List<OpResult> stagedView = Collections.unmodifiableList(staged);
    private ArrayList<ByteBuf> stagedChunks = new ArrayList<>();
    private ByteBuf lastStagedChunk;
    /** When the first result of the staged batch was staged, for {@link FlightEvents.SlowBatch}. */
    private long firstStagedNanos;
    /** The spare lists {@link #deliver} swaps with the staged ones while a handler runs. */
    private ArrayList<OpResult> inline = new ArrayList<>();
    private List<OpResult> inlineView = Collections.unmodifiableList(inline);
    private ArrayList<ByteBuf> inlineChunks = new ArrayList<>();

    // Guarded by lock.
    private ArrayList<OpResult> published = new ArrayList<>();
    private ArrayList<ByteBuf> publishedChunks = new ArrayList<>();
    private ArrayList<OpResult> delivered = new ArrayList<>();
    private ArrayList<ByteBuf> deliveredChunks = new ArrayList<>();
    private List<OpResult> deliveredView = Collections.unmodifiableList(delivered);
    /** Each list's view travels with it through the swaps, so that a take() allocates no view. */
    private List<OpResult> publishedView = Collections.unmodifiableList(published);
    private boolean finished;

    CompletionQueue(SwapBuffers swap, String transport) {
        this.swap = swap;
        this.transport = transport;
    }

    /** Adds a completed request to the loop's current batch. Loop thread only. */
    void stage(OpResult r) {
        if (staged.isEmpty()) {
            firstStagedNanos = System.nanoTime();
        }
        staged.add(r);
        ByteBuf chunk = r.swapChunk;
        if (chunk != null && chunk != lastStagedChunk) {
            chunk.retain();
            stagedChunks.add(chunk);
            lastStagedChunk = chunk;
        }
    }

    boolean hasStaged() {
        return !staged.isEmpty();
    }

    /** Makes the staged batch visible to {@code waitIO()}. Loop thread only. */
    void publish() {
        if (staged.isEmpty()) {
            return;
        }
        FlightEvents.slowBatch(transport, "batch", staged.size(), System.nanoTime() - firstStagedNanos);
        lastStagedChunk = null;
        lock.lock();
        try {
            if (finished) {
                discardStaged();
                return;
            }
            if (published.isEmpty()) {
                ArrayList<OpResult> results = published;
                published = staged;
                staged = results;
                List<OpResult> view = publishedView;
                publishedView = stagedView;
                stagedView = view;
                ArrayList<ByteBuf> chunks = publishedChunks;
                publishedChunks = stagedChunks;
                stagedChunks = chunks;
            } else {
                published.addAll(staged);
                publishedChunks.addAll(stagedChunks);
                staged.clear();
                stagedChunks.clear();
            }
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands the staged batch to {@code handler} on the loop thread, then releases it. Completions staged while the
     * handler runs (it may submit requests, which run at once) form the next batch. Loop thread only.
     */
    void deliver(CompletionHandler handler) {
        if (staged.isEmpty()) {
            return;
        }
        if (finished) {
            // After the last handler call; only the loop thread writes the flag in handler mode.
            discardStaged();
            return;
        }
        lastStagedChunk = null;
        ArrayList<OpResult> batch = staged;
        List<OpResult> batchView = stagedView;
        ArrayList<ByteBuf> batchChunks = stagedChunks;
        staged = inline;
        stagedView = inlineView;
        stagedChunks = inlineChunks;
        long start = System.nanoTime();
        FlightEvents.slowBatch(transport, "batch", batch.size(), start - firstStagedNanos);
        try {
            handler.onCompletions(batchView);
        } finally {
            FlightEvents.slowBatch(transport, "completion handler", batch.size(), System.nanoTime() - start);
            releaseAll(batchChunks);
            batch.clear();
            inline = batch;
            inlineView = batchView;
            inlineChunks = batchChunks;
        }
    }

    /**
     * Releases the previous batch and waits for the next one.
     *
     * @param timeoutNanos how long to wait; negative waits without limit
     * @return the batch, empty only when the timeout passed; valid until the next call
     */
    List<OpResult> take(long timeoutNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            releaseAll(deliveredChunks);
            delivered.clear();
            long remaining = timeoutNanos;
            while (published.isEmpty() && !finished) {
                if (timeoutNanos < 0) {
                    notEmpty.await();
                } else if (remaining <= 0) {
                    return deliveredView;
                } else {
                    remaining = notEmpty.awaitNanos(remaining);
                }
            }
            if (published.isEmpty()) {
                throw new WatcherClosedException();
            }
            ArrayList<OpResult> results = delivered;
            delivered = published;
            published = results;
            List<OpResult> view = deliveredView;
            deliveredView = publishedView;
            publishedView = view;
            ArrayList<ByteBuf> chunks = deliveredChunks;
            deliveredChunks = publishedChunks;
            publishedChunks = chunks;
            return deliveredView;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the queue after the last batch was published: waiters wake, and once they took what is published,
     * {@code take} throws. The loop thread, or the one thread that closes after the loop is gone.
     */
    void finish() {
        lock.lock();
        try {
            finished = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases the swap chunks of batches nobody can collect any more: the watcher became unreachable. Any thread,
     * once the queue is finished.
     */
    void abandon() {
        lock.lock();
        try {
            releaseAll(publishedChunks);
            published.clear();
            releaseAll(deliveredChunks);
            delivered.clear();
        } finally {
            lock.unlock();
        }
    }

    private void discardStaged() {
        releaseAll(stagedChunks);
        staged.clear();
        lastStagedChunk = null;
    }

    private void releaseAll(ArrayList<ByteBuf> chunks) {
        for (int i = 0; i < chunks.size(); i++) {
            swap.release(chunks.get(i));
        }
        chunks.clear();
    }
}
