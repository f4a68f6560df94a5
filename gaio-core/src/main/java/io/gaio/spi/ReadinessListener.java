package io.gaio.spi;

/**
 * Receives a {@link TransportSocket}'s readiness, on the event loop thread.
 *
 * <p>Readiness is edge-like: the engine tries I/O until the socket reports it would block, and waits for the next
 * call before trying again. Errors and hang-ups are reported as readiness in both directions; the next read or
 * write then surfaces the socket's error.
 */
public interface ReadinessListener {

    /**
     * The socket may have become readable and/or writable.
     *
     * @param readable the socket may have bytes, an end of stream or an error to read
     * @param writable the socket may accept bytes or have an error to report on write
     */
    void onReadiness(boolean readable, boolean writable);
}
