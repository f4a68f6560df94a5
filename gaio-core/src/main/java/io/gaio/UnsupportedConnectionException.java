package io.gaio;

/**
 * Thrown at submission when the connection object is null or of a type the watcher's transport cannot take over.
 * The message names the types the transport accepts.
 */
public final class UnsupportedConnectionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UnsupportedConnectionException(String message) {
        super(message);
    }
}
