package io.gaio;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Without a transport module on the class path, watcher creation fails with a message that says what to add. */
class TransportsTest {

    @Test
    void noTransportOnTheClassPathSaysWhichModuleToAdd() {
        assertTrue(Transports.list().isEmpty());
        TransportUnavailableException e = assertThrows(TransportUnavailableException.class, Watcher::open);
        assertTrue(e.getMessage().contains("gaio-transport-nio"), e.getMessage());
    }

    @Test
    void aMissingNamedTransportIsNamedInTheError() {
        TransportUnavailableException e = assertThrows(TransportUnavailableException.class,
                () -> Watcher.builder().transport("carrier-pigeon").build());
        assertTrue(e.getMessage().contains("'carrier-pigeon' is not on the class path"), e.getMessage());
    }
}
