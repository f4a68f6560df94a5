package io.gaio.examples;

/**
 * The echo server's count of one connection's pending writes, the context of its requests once it has echoed: the
 * read that follows a chunk is submitted with the chunk's write, unless {@link EchoServer#WRITES_IN_FLIGHT} writes
 * are pending, and then when one of them completes. The collecting thread alone touches it.
 */
final class Echoes {
    /** Pending writes, and whether a read waits for one of them: {@code 2 * writes + (readWaits ? 1 : 0)}. */
    private int state;

    private Echoes() {
    }

    /** The connection's counts, from a request's context; a connection's first read has none yet. */
    static Echoes of(Object context) {
        return context == null ? new Echoes() : (Echoes) context;
    }

    /**
     * A write was submitted.
     *
     * @return whether the next read may be submitted now; if not, {@link #writeCompleted()} says when
     */
    boolean writeSubmitted() {
        int writes = (state >> 1) + 1;
        boolean readNow = writes < EchoServer.WRITES_IN_FLIGHT;
        state = writes << 1 | (readNow ? 0 : 1);
        return readNow;
    }

    /**
     * A write completed.
     *
     * @return whether the read that waited for it is to be submitted now
     */
    boolean writeCompleted() {
        boolean readWaits = (state & 1) != 0;
        state = ((state >> 1) - 1) << 1;
        return readWaits;
    }
}
