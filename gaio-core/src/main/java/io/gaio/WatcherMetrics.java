package io.gaio;

/**
 * A snapshot of a watcher's state and counters, from {@link Watcher#metrics()}: cheap to take from any thread, and
 * immutable.
 *
 * <p>The event loop keeps each figure as it goes, and a snapshot reads them one after another without stopping the
 * loop: each figure is exact as the loop stored it a moment before, but figures are not taken at one instant (a
 * completion may show in {@link #completions()} and not yet in {@link #bytesRead()}). Gauges ({@link #connections()},
 * the pending requests, swap buffers, {@link #starvedReads()}) tell the state now; counters (completions, bytes,
 * errors, {@link #starvations()}) only grow from the watcher's start. A closed watcher's snapshot keeps its last
 * counters.
 *
 * <p>A request is pending from the moment the event loop takes it to its completion: one still on its way from the
 * submitting thread to the loop, or completed and not yet collected by {@code waitIO()}, is not. When the loop is
 * the bottleneck, requests wait in those two places, and the pending figures stay low while throughput is at its
 * peak.
 */
public final class WatcherMetrics {
    private final String transport;
    private final long connections;
    private final long listeners;
    private final long pendingReads;
    private final long pendingWrites;
    private final long pendingAccepts;
    private final long pendingConnects;
    private final long swapBuffers;
    private final int maxSwapBuffers;
    private final int swapBufferSize;
    private final long starvedReads;
    private final long starvations;
    private final long completions;
    private final long bytesRead;
    private final long bytesWritten;
    private final long endOfStreams;
    private final long deadlinesExpired;
    private final long closedErrors;
    private final long ioErrors;

    WatcherMetrics(String transport, Counters c, int maxSwapBuffers, int swapBufferSize) {
        this.transport = transport;
        this.connections = c.getAcquire(Counters.CONNECTIONS);
        this.listeners = c.getAcquire(Counters.LISTENERS);
        this.pendingReads = c.getAcquire(Counters.PENDING_READS);
        this.pendingWrites = c.getAcquire(Counters.PENDING_WRITES);
        this.pendingAccepts = c.getAcquire(Counters.PENDING_ACCEPTS);
        this.pendingConnects = c.getAcquire(Counters.PENDING_CONNECTS);
        this.swapBuffers = c.getAcquire(Counters.SWAP_BUFFERS);
        this.maxSwapBuffers = maxSwapBuffers;
        this.swapBufferSize = swapBufferSize;
        this.starvedReads = c.getAcquire(Counters.STARVED_READS);
        this.starvations = c.getAcquire(Counters.STARVATIONS);
        this.completions = c.getAcquire(Counters.COMPLETIONS);
        this.bytesRead = c.getAcquire(Counters.BYTES_READ);
        this.bytesWritten = c.getAcquire(Counters.BYTES_WRITTEN);
        this.endOfStreams = c.getAcquire(Counters.END_OF_STREAMS);
        this.deadlinesExpired = c.getAcquire(Counters.DEADLINES_EXPIRED);
        this.closedErrors = c.getAcquire(Counters.CLOSED_ERRORS);
        this.ioErrors = c.getAcquire(Counters.IO_ERRORS);
    }

    /**
     * The watcher's transport.
     *
     * @return its name, as {@link Watcher#transport()}
     */
    public String transport() {
        return transport;
    }

    /**
     * Open connections: delegated ones, and the watcher's own (accepted, connected or being connected).
     *
     * @return the count now
     */
    public long connections() {
        return connections;
    }

    /**
     * Open listeners.
     *
     * @return the count now
     */
    public long listeners() {
        return listeners;
    }

    /**
     * Reads taken by the event loop and not completed.
     *
     * @return the count now
     */
    public long pendingReads() {
        return pendingReads;
    }

    /**
     * Writes and {@code shutdownOutput}s taken by the event loop and not completed.
     *
     * @return the count now
     */
    public long pendingWrites() {
        return pendingWrites;
    }

    /**
     * Accepts taken by the event loop and not completed.
     *
     * @return the count now
     */
    public long pendingAccepts() {
        return pendingAccepts;
    }

    /**
     * Connects taken by the event loop and not completed.
     *
     * @return the count now
     */
    public long pendingConnects() {
        return pendingConnects;
    }

    /**
     * Swap buffers allocated, whether in use by a completion batch, a retained slice, or waiting for the next read.
     *
     * @return the count now, at most {@link #maxSwapBuffers()}
     */
    public long swapBuffers() {
        return swapBuffers;
    }

    /**
     * The bound on swap buffers ({@link Watcher.Builder#maxSwapBuffers}).
     *
     * @return the bound
     */
    public int maxSwapBuffers() {
        return maxSwapBuffers;
    }

    /**
     * The size of one swap buffer ({@link Watcher.Builder#swapBufferSize}).
     *
     * @return bytes
     */
    public int swapBufferSize() {
        return swapBufferSize;
    }

    /**
     * Connections whose read without a buffer waits for swap space: every swap buffer is in use (held by batches not
     * yet released, or by retained slices).
     *
     * @return the count now
     */
    public long starvedReads() {
        return starvedReads;
    }

    /**
     * How many times a read waited for swap space.
     *
     * @return the count since the watcher started
     */
    public long starvations() {
        return starvations;
    }

    /**
     * Requests completed, successfully or not, whether collected yet or not.
     *
     * @return the count since the watcher started
     */
    public long completions() {
        return completions;
    }

    /**
     * Bytes the completed reads received.
     *
     * @return the count since the watcher started
     */
    public long bytesRead() {
        return bytesRead;
    }

    /**
     * Bytes the completed writes sent (those that failed included, for what they got out).
     *
     * @return the count since the watcher started
     */
    public long bytesWritten() {
        return bytesWritten;
    }

    /**
     * Requests that ended with the end of the stream ({@link java.io.EOFException}).
     *
     * @return the count since the watcher started
     */
    public long endOfStreams() {
        return endOfStreams;
    }

    /**
     * Requests that ended because their deadline passed ({@link DeadlineExceededException}).
     *
     * @return the count since the watcher started
     */
    public long deadlinesExpired() {
        return deadlinesExpired;
    }

    /**
     * Requests that ended because their connection, listener or watcher was closed
     * ({@link ConnectionClosedException}, {@link WatcherClosedException}).
     *
     * @return the count since the watcher started
     */
    public long closedErrors() {
        return closedErrors;
    }

    /**
     * Requests that ended with any other error: resets, refused connects, failed accepts and other
     * {@link java.io.IOException}s.
     *
     * @return the count since the watcher started
     */
    public long ioErrors() {
        return ioErrors;
    }

    @Override
    public String toString() {
        return "WatcherMetrics{" + transport + ": connections=" + connections + ", listeners=" + listeners
                + ", pending reads=" + pendingReads + " writes=" + pendingWrites + " accepts=" + pendingAccepts
                + " connects=" + pendingConnects + ", swap buffers=" + swapBuffers + "/" + maxSwapBuffers
                + ", starved reads=" + starvedReads + " (" + starvations + " times), completions=" + completions
                + ", bytes read=" + bytesRead + " written=" + bytesWritten + ", errors: eof=" + endOfStreams
                + " deadline=" + deadlinesExpired + " closed=" + closedErrors + " io=" + ioErrors + '}';
    }
}
