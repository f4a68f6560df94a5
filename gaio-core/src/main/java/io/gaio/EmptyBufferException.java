package io.gaio;

/**
 * Thrown at submission when a buffer offers nothing to transfer: a write with no readable bytes, a read or
 * {@code readFull} with no writable bytes, or a {@code readFull} without a buffer.
 */
public final class EmptyBufferException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    EmptyBufferException(String message) {
        super(message);
    }
}
