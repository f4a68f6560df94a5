package io.gaio.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.gaio.TransportStatus;
import io.gaio.TransportUnavailableException;
import io.gaio.Transports;
import io.gaio.Watcher;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueIoHandle;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;

/**
 * The provider's contract on every platform: it is found, describes itself and reports kqueue's availability without
 * touching native code, which is missing on Linux and Windows (where Netty's kqueue classes load, but its handler
 * factory fails with {@link UnsatisfiedLinkError}).
 */
class KQueueTransportProviderTest {

    @Test
    void describesItselfWithoutNativeCode() throws Exception {
        KQueueTransportProvider provider = new KQueueTransportProvider();
        assertEquals("kqueue", provider.name());
        assertTrue(provider.priority() > 100, "preferred over epoll (100) wherever it can run");
        assertTrue(provider.duplicatesSockets());
        assertSame(KQueueIoHandle.class, provider.handleType());
        assertEquals(KQueue.isAvailable(), provider.unavailabilityCause() == null);
        try (SocketChannel jdk = SocketChannel.open()) {
            assertTrue(provider.supports(jdk));
        }
        assertFalse(provider.supports("a string"));
        assertTrue(provider.supportedTypes().contains("io.netty.channel.kqueue.KQueueSocketChannel"),
                provider.supportedTypes());
    }

    @Test
    void listedWithItsCause() {
        TransportStatus status = Transports.list().stream().filter(s -> s.name().equals("kqueue")).findFirst()
                .orElseThrow(() -> new AssertionError("kqueue is not found by the ServiceLoader: " + Transports.list()));
        assertEquals(KQueue.isAvailable(), status.isAvailable(), status.toString());
    }

    @Test
    void watcherOnKqueueFailsWithTheCauseWhereItCannotRun() {
        assumeFalse(KQueue.isAvailable(), "kqueue runs here");
        TransportUnavailableException e = assertThrows(TransportUnavailableException.class,
                () -> Watcher.builder().transport("kqueue").build());
        assertNotNull(e.getCause());
        // Netty's reason, not the ExceptionInInitializerError it comes wrapped in.
        assertTrue(e.getMessage().contains(new KQueueTransportProvider().unavailabilityCause().toString()),
                e.getMessage());
        assertFalse(e.getCause() instanceof ExceptionInInitializerError, e.getCause().toString());
    }
}
