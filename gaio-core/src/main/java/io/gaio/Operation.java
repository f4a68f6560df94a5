package io.gaio;

/** The kind of request an {@link OpResult} completes. */
public enum Operation {
    /** A {@code read}, {@code readTimeout} or {@code readFull}. */
    READ,
    /** A {@code write} or {@code writeTimeout}. */
    WRITE,
    /** A {@code shutdownOutput}: the end of the stream sent after the writes before it. */
    SHUTDOWN_OUTPUT,
    /** An {@code accept} on a {@link Listener}; the result's {@link OpResult#connection()} is the new connection. */
    ACCEPT,
    /** A {@code connect}; the result's {@link OpResult#connection()} is the connection it returned. */
    CONNECT
}
