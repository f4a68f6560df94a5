package io.gaio;

/**
 * Thrown by submissions and by {@link Watcher#waitIO()} once the watcher is closed; also the
 * {@link OpResult#error() error} of the requests that were still pending when it closed (see
 * {@link Watcher#close()}). Create a new watcher to go on.
 */
public final class WatcherClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    WatcherClosedException() {
        super("the watcher is closed: create a new Watcher to submit or collect more I/O");
    }

    WatcherClosedException(String message) {
        super(message);
    }
}
