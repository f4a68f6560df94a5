package io.gaio.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.Connection;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.EOFException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The binder on a {@link SimpleMeterRegistry}: every meter is there under {@code gaio.} with the transport and the
 * caller's tags, and follows a watcher through an accept, an echo, the peer's end of stream, and a close that hands
 * back a pending read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatcherMeterBinderTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void metersFollowTheWatcher() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Watcher w = Watcher.open();
        try {
            new WatcherMeterBinder(w, Tags.of("watcher", "test")).bindTo(registry);
            List<String> names = new ArrayList<>();
            for (Meter m : registry.getMeters()) {
                names.add(m.getId().getName());
                assertEquals(w.transport(), m.getId().getTag("transport"), () -> "transport tag of " + m.getId());
                assertEquals("test", m.getId().getTag("watcher"), () -> "caller's tag of " + m.getId());
            }
            assertEquals(List.of("gaio.bytes.read", "gaio.bytes.written", "gaio.completions", "gaio.connections",
                    "gaio.errors", "gaio.errors", "gaio.errors", "gaio.errors", "gaio.listeners",
                    "gaio.reads.starvations", "gaio.reads.starved", "gaio.requests.pending", "gaio.requests.pending",
                    "gaio.requests.pending", "gaio.requests.pending", "gaio.swap.buffers", "gaio.swap.buffers.max"),
                    names.stream().sorted().toList());
            assertEquals(Watcher.DEFAULT_MAX_SWAP_BUFFERS, gauge(registry, "gaio.swap.buffers.max"));

            Listener l = w.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            w.accept(null, l);
            await(() -> gauge(registry, "gaio.listeners") == 1
                    && gauge(registry, "gaio.requests.pending", "operation", "accept") == 1, registry);
            try (SocketChannel peer = SocketChannel.open(l.localAddress())) {
                Connection c = (Connection) next(w, Operation.ACCEPT).connection();
                w.read(null, c, null);
                await(() -> gauge(registry, "gaio.connections") == 1
                        && gauge(registry, "gaio.requests.pending", "operation", "read") == 1, registry);
                peer.write(ByteBuffer.wrap(new byte[100]));
                OpResult read = next(w, Operation.READ);
                assertEquals(100, read.size());
                ByteBuf echo = Unpooled.copiedBuffer(read.buffer());
                w.write(null, c, echo);
                assertEquals(100, next(w, Operation.WRITE).size());
                InputStream in = peer.socket().getInputStream();
                assertEquals(100, in.readNBytes(100).length);
                w.read(null, c, null);
                peer.shutdownOutput();
                assertInstanceOf(EOFException.class, next(w, Operation.READ).error());
                await(() -> counter(registry, "gaio.bytes.read") == 100
                        && counter(registry, "gaio.bytes.written") == 100
                        && counter(registry, "gaio.completions") == 4
                        && counter(registry, "gaio.errors", "kind", "eof") == 1
                        && gauge(registry, "gaio.requests.pending", "operation", "read") == 0, registry);
                assertTrue(gauge(registry, "gaio.swap.buffers") >= 1, "a swap buffer after a swap-buffer read");
            }
            w.accept(null, l);
            try (SocketChannel idle = SocketChannel.open(l.localAddress())) {
                assertTrue(idle.isConnected());
                w.read(null, next(w, Operation.ACCEPT).connection(), null);
                await(() -> gauge(registry, "gaio.requests.pending", "operation", "read") == 1, registry);
                // While the peer is still there: its close would end the read first.
                w.close();
            }
            assertEquals(0, gauge(registry, "gaio.connections"), "connections after the close");
            assertEquals(0, gauge(registry, "gaio.listeners"), "listeners after the close");
            assertEquals(0, gauge(registry, "gaio.requests.pending", "operation", "read"), "reads after the close");
            assertEquals(1, counter(registry, "gaio.errors", "kind", "closed"), "the read the close handed back");
            assertEquals(1, counter(registry, "gaio.errors", "kind", "eof"));
            assertEquals(0, counter(registry, "gaio.errors", "kind", "io"));
            assertEquals(0, counter(registry, "gaio.errors", "kind", "deadline"));
            assertEquals(6, counter(registry, "gaio.completions"));
        } finally {
            w.close();
        }
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    private static double counter(SimpleMeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    /** The next completion, which must be of {@code op}. */
    private static OpResult next(Watcher w, Operation op) throws InterruptedException {
        List<OpResult> batch = w.waitIO(WAIT);
        assertEquals(1, batch.size(), () -> "one completion expected, got " + batch);
        assertEquals(op, batch.get(0).operation(), () -> "completion " + batch.get(0));
        return batch.get(0);
    }

    /** Waits for the loop's figures to show what it did (they are published without waiting for readers). */
    private static void await(BooleanSupplier condition, SimpleMeterRegistry registry) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, () -> "meters: " + registry.getMetersAsString());
            Thread.sleep(5);
        }
    }
}
