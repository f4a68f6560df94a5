package io.gaio;

/** The kind of request an {@link OpResult} completes. */
public enum Operation {
    /** A {@code read}, {@code readTimeout} or {@code readFull}. */
    READ,
    /** A {@code write} or {@code writeTimeout}. */
    WRITE
}
