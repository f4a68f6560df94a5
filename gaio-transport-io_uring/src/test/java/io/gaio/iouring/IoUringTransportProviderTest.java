package io.gaio.iouring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.TransportStatus;
import io.gaio.Transports;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandle;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;

/** The provider's contract: found, opt-in, and honest about io_uring's availability. */
class IoUringTransportProviderTest {

    @Test
    void describesItself() throws Exception {
        IoUringTransportProvider provider = new IoUringTransportProvider();
        assertEquals("io_uring", provider.name());
        assertTrue(provider.priority() < 0, "below nio (0) and epoll (100): used only when named");
        assertTrue(provider.duplicatesSockets());
        assertSame(IoUringIoHandle.class, provider.handleType());
        assertEquals(IoUring.isAvailable(), provider.unavailabilityCause() == null);
        try (SocketChannel jdk = SocketChannel.open()) {
            assertTrue(provider.supports(jdk));
        }
        assertFalse(provider.supports("a string"));
        assertEquals("a java.nio.channels.SocketChannel", provider.supportedTypes(),
                "Netty's io_uring channels cannot be taken over (IoUringDelegationTest)");
    }

    @Test
    void listedButNeverTheDefault() {
        TransportStatus status = Transports.list().stream().filter(s -> s.name().equals("io_uring")).findFirst()
                .orElseThrow(() -> new AssertionError("io_uring is not found by the ServiceLoader: "
                        + Transports.list()));
        assertEquals(IoUring.isAvailable(), status.isAvailable(), status.toString());
        String saved = System.clearProperty(Transports.TRANSPORT_PROPERTY);
        try {
            assertNotEquals("io_uring", Transports.selected().name(), "the transport chosen when none is named");
        } finally {
            if (saved != null) {
                System.setProperty(Transports.TRANSPORT_PROPERTY, saved);
            }
        }
    }
}
