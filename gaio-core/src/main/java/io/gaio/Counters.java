package io.gaio;

import java.io.EOFException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The engine's counters behind {@link Watcher#metrics()}: written by the event loop thread only, read by any thread
 * without a lock.
 *
 * <p>One writer: the loop reads a counter plainly (the last value is its own store) and stores the new one with
 * release semantics ({@code setRelease}: JCTools' ordered store, {@code lazySet}); other threads load with acquire
 * semantics. On x86 both are plain moves, so the hot path pays no fence, no atomic read-modify-write and no lock. A
 * reader sees each counter as the loop stored it a moment before, never torn, and everything the loop did before
 * that store; counters read one after another are not taken at one instant.
 */
final class Counters {
    static final int CONNECTIONS = 0;
    static final int LISTENERS = 1;
    static final int PENDING_READS = 2;
    static final int PENDING_WRITES = 3;
    static final int PENDING_ACCEPTS = 4;
    static final int PENDING_CONNECTS = 5;
    static final int SWAP_BUFFERS = 6;
    static final int STARVED_READS = 7;
    static final int STARVATIONS = 8;
    static final int COMPLETIONS = 9;
    static final int BYTES_READ = 10;
    static final int BYTES_WRITTEN = 11;
    static final int END_OF_STREAMS = 12;
    static final int DEADLINES_EXPIRED = 13;
    static final int CLOSED_ERRORS = 14;
    static final int IO_ERRORS = 15;
    private static final int COUNT = 16;

    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values = new long[COUNT];

    /** Adds {@code delta} to a counter: a plain read of the loop's own last value, then a release store. Loop only. */
    void addRelease(int counter, long delta) {
        VALUES.setRelease(values, counter, values[counter] + delta);
    }

    /** Sets a counter with a release store. Loop thread only. */
    void setRelease(int counter, long value) {
        VALUES.setRelease(values, counter, value);
    }

    /** A counter as the loop last stored it, with an acquire load. Any thread. */
    long getAcquire(int counter) {
        return (long) VALUES.getAcquire(values, counter);
    }

    /** A counter read plainly, by the loop thread, which wrote it. */
    long getPlain(int counter) {
        return values[counter];
    }

    /** Requests taken by the loop and not completed yet. Loop thread only. */
    long pendingPlain() {
        return values[PENDING_READS] + values[PENDING_WRITES] + values[PENDING_ACCEPTS] + values[PENDING_CONNECTS];
    }

    /** The loop took a request. Loop thread only. */
    void taken(Operation op) {
        addRelease(pendingCounter(op), 1);
    }

    /** A request completed: it is no longer pending, and its bytes and error count. Loop thread only. */
    void completed(OpResult r) {
        addRelease(pendingCounter(r.operation), -1);
        addRelease(COMPLETIONS, 1);
        if (r.operation == Operation.READ) {
            addRelease(BYTES_READ, r.size);
        } else if (r.operation == Operation.WRITE) {
            addRelease(BYTES_WRITTEN, r.size);
        }
        if (r.error != null) {
            addRelease(errorCounter(r.error), 1);
        }
    }

    private static int pendingCounter(Operation op) {
        switch (op) {
            case READ:
                return PENDING_READS;
            case ACCEPT:
                return PENDING_ACCEPTS;
            case CONNECT:
                return PENDING_CONNECTS;
            default:
                // WRITE and SHUTDOWN_OUTPUT: both wait in the write queue.
                return PENDING_WRITES;
        }
    }

    private static int errorCounter(Throwable error) {
        if (error instanceof EOFException) {
            return END_OF_STREAMS;
        }
        if (error instanceof DeadlineExceededException) {
            return DEADLINES_EXPIRED;
        }
        if (error instanceof ConnectionClosedException || error instanceof WatcherClosedException) {
            return CLOSED_ERRORS;
        }
        return IO_ERRORS;
    }
}
