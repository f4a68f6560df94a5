package io.gaio;

import java.io.IOException;

/**
 * The error of a request whose connection was freed (by {@link Watcher#free}, or because the connection object was
 * garbage collected) or was already closed when it was delegated. Submit requests on another connection.
 */
public final class ConnectionClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    ConnectionClosedException(String message) {
        super(message);
    }

    ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
