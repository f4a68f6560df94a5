package io.gaio;

import io.netty.buffer.ByteBuf;

/**
 * A completed request, as returned by {@link Watcher#waitIO()}.
 *
 * <p>Each submitted request completes exactly once, and its result is valid until the next {@code waitIO()} call on
 * the same watcher. A swap-buffer slice ({@link #isSwapBuffer()}) is valid as long as the result: copy the bytes, or
 * {@link ByteBuf#retain() retain} the slice and release it later, to keep them longer. Never release a swap-buffer
 * slice you did not retain; caller buffers stay the caller's to release.
 */
public final class OpResult {
    // A request becomes its own result: the engine fills in the outcome on the loop thread, and the hand-off in
    // CompletionQueue publishes it to the thread in waitIO().
    final Operation operation;
    final Object context;
    /** The connection named at submission; for an accept, set to the accepted one when it completes. */
    Object connection;
    /** The listener of an accept, else null. */
    Listener listener;
    ByteBuf buffer;
    boolean swapBuffer;
    int size;
    Throwable error;

    // Engine bookkeeping, loop thread only.
    final boolean full;
    final long deadlineNanos;
    final boolean hasDeadline;
    int deadlineIndex = -1;
    Conn owner;
    /** The next request in its connection's {@link RequestQueue}. */
    OpResult next;
    ByteBuf swapChunk;
    /** Why the request ends once a completion-based transport returns it (a deadline passed while it was lent). */
    Throwable abort;

    OpResult(Operation operation, Object context, Object connection, ByteBuf buffer, boolean full,
             boolean hasDeadline, long deadlineNanos) {
        this.operation = operation;
        this.context = context;
        this.connection = connection;
        this.buffer = buffer;
        this.full = full;
        this.hasDeadline = hasDeadline;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Which kind of request this completes.
     *
     * @return the operation
     */
    public Operation operation() {
        return operation;
    }

    /**
     * The context object given at submission, unchanged.
     *
     * @return the context, possibly {@code null}
     */
    public Object context() {
        return context;
    }

    /**
     * The very connection object given at submission: the caller's object for a delegated connection, the
     * {@link Connection} that {@code connect} returned for a {@link Operation#CONNECT}, and for an
     * {@link Operation#ACCEPT} the newly accepted {@link Connection}.
     *
     * @return the connection; {@code null} for an accept that failed
     */
    public Object connection() {
        return connection;
    }

    /**
     * The listener an {@link Operation#ACCEPT} was submitted on, for submitting the next accept.
     *
     * @return the listener; {@code null} for other operations
     */
    public Listener listener() {
        return listener;
    }

    /**
     * The buffer the bytes went into or came from: the caller's own buffer (a read advanced its writer index by
     * {@link #size()}, a write its reader index), or, for a read submitted without a buffer, a slice of the watcher's
     * swap buffer holding exactly the bytes read.
     *
     * @return the buffer; {@code null} for a swap-buffer read that read nothing, and for accepts, connects and
     *         {@code shutdownOutput}
     */
    public ByteBuf buffer() {
        return buffer;
    }

    /**
     * Whether {@link #buffer()} is a slice of the watcher's swap buffer rather than the caller's buffer.
     *
     * @return {@code true} for a swap-buffer slice
     */
    public boolean isSwapBuffer() {
        return swapBuffer;
    }

    /**
     * Bytes read or written; on an error, the bytes transferred before it.
     *
     * @return the number of bytes
     */
    public int size() {
        return size;
    }

    /**
     * {@code null} on success, otherwise why the request ended: {@link java.io.EOFException} at the end of the stream,
     * {@link DeadlineExceededException}, {@link ConnectionClosedException} (also for an accept on a closed
     * listener), {@link WatcherClosedException} when the watcher closed with the request pending,
     * {@link java.net.ConnectException} for a refused connect, or the socket's {@link java.io.IOException}.
     *
     * @return the error, or {@code null}
     */
    public Throwable error() {
        return error;
    }

    /**
     * Whether the request succeeded.
     *
     * @return {@code true} when {@link #error()} is {@code null}
     */
    public boolean isSuccess() {
        return error == null;
    }

    @Override
    public String toString() {
        return "OpResult{" + operation + ", size=" + size + (swapBuffer ? ", swap" : "")
                + (error == null ? "" : ", error=" + error) + ", connection=" + connection + '}';
    }
}
