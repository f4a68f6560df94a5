package io.gaio;

/**
 * Thrown when a watcher is created with a transport that is not on the class path or cannot run here, or when no
 * transport is available at all. The cause, when present, is the transport's own reason.
 */
public final class TransportUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    TransportUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
