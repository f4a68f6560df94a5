package io.gaio.examples;

/**
 * The echo server's count of one connection's pending writes, the context of its requests once it has echoed: the
 * read that follows a chunk is submitted with the chunk's write, unless {@link EchoServer#WRITES_IN_FLIGHT} writes
 * are pending, and then when one of them completes. The collecting thread alone touches it.
 */
final class Echoes {
    /** Set in {@link #state} once a request of the connection failed. */
    private static final int ENDED = 1 << 30;
    /**
     * Pending writes, whether a read waits for one of them, and whether the connection ended:
     * {@code 2 * writes + (readWaits ? 1 : 0) + (ended ? ENDED : 0)}; one int, 16 bytes an object.
     */
    private int state;

    private Echoes() {
    }

    /** The connection's counts, from a request's context; a connection's first read has none yet. */
    static Echoes of(Object context) {
        return context == null ? new Echoes() : (Echoes) context;
    }

    /**
     * A request of the connection failed. With a read and writes pending at once, several fail when it ends; the
     * first one frees it.
     *
     * @param context the failed request's context: its counts, or {@code null} before the first echo, when a read is
     *                the connection's only request
     * @return whether this is the connection's first failure
     */
    static boolean firstFailure(Object context) {
        if (context == null) {
            return true;
        }
        Echoes echoes = (Echoes) context;
        boolean first = (echoes.state & ENDED) == 0;
        echoes.state |= ENDED;
        return first;
    }

    /**
     * A write was submitted.
     *
     * @return whether the next read may be submitted now; if not, {@link #writeCompleted()} says when
     */
    boolean writeSubmitted() {
        int writes = ((state & ~ENDED) >> 1) + 1;
        boolean readNow = writes < EchoServer.WRITES_IN_FLIGHT;
        state = state & ENDED | writes << 1 | (readNow ? 0 : 1);
        return readNow;
    }

    /**
     * A write completed.
     *
     * @return whether the read that waited for it is to be submitted now
     */
    boolean writeCompleted() {
        boolean readWaits = (state & 1) != 0;
        state = state & ENDED | (((state & ~ENDED) >> 1) - 1) << 1;
        return readWaits;
    }
}
