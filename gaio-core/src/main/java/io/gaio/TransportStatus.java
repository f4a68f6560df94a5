package io.gaio;

/**
 * What {@link Transports#list()} knows about one transport on the class path.
 *
 * @param name                the name to select it with, as in {@code -Dgaio.transport=NAME}
 * @param priority            its preference when no transport is named; higher wins
 * @param duplicatesSockets   whether the watcher keeps its own duplicate of a delegated socket (and closes the
 *                            caller's object) rather than using the caller's object itself
 * @param unavailabilityCause why it cannot run here, or {@code null} when it can
 */
public record TransportStatus(String name, int priority, boolean duplicatesSockets, Throwable unavailabilityCause) {

    /**
     * Whether this transport can run in this JVM.
     *
     * @return {@code true} when {@link #unavailabilityCause()} is {@code null}
     */
    public boolean isAvailable() {
        return unavailabilityCause == null;
    }

    @Override
    public String toString() {
        return name + " (priority " + priority + "): "
                + (isAvailable() ? "available" : "unavailable: " + unavailabilityCause);
    }
}
