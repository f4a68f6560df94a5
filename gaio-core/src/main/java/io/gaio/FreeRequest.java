package io.gaio;

/** A {@code free(connection)} on its way to the event loop. */
final class FreeRequest {
    final Object connection;

    FreeRequest(Object connection) {
        this.connection = connection;
    }
}
