package io.gaio;

import java.net.SocketTimeoutException;

/**
 * The error of a request whose deadline passed before it completed. {@link OpResult#size()} tells how many bytes
 * were transferred before that; the connection stays usable.
 */
public final class DeadlineExceededException extends SocketTimeoutException {
    private static final long serialVersionUID = 1L;

    DeadlineExceededException(String message) {
        super(message);
    }
}
