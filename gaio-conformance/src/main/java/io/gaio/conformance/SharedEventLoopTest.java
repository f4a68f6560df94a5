package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gaio.Watcher;
import io.gaio.conformance.EchoServer.ReadMode;
import io.gaio.spi.TransportProvider;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Watchers on an event loop group the application owns ({@code Watcher.Builder.eventLoop}, rule 15's "several
 * watchers at once" on shared threads): two watchers on one group echo correctly, closing them leaves the group
 * running, and a group that runs another I/O handler, or affinity for a supplied group, is refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedEventLoopTest extends TransportTestBase {

    @Test
    void watchersOnASuppliedGroup() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, provider().newIoHandlerFactory());
        try {
            Watcher a = build(newWatcherBuilder().eventLoop(group));
            Watcher b = build(newWatcherBuilder().eventLoop(group));
            runEcho(List.of(a, b), ReadMode.RANDOM, 256, 64, 4, 1024, 120, Duration.ofSeconds(30));
            assertFalse(group.isShuttingDown(), "closing a watcher must leave the application's group running");
            assertEquals(42, group.next().submit(() -> 42).get(10, TimeUnit.SECONDS));
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void refusesUnsuitableGroups() {
        MultiThreadIoEventLoopGroup local = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        MultiThreadIoEventLoopGroup own = new MultiThreadIoEventLoopGroup(1, provider().newIoHandlerFactory());
        try {
            assertThrows(IllegalArgumentException.class, () -> newWatcherBuilder().eventLoop(local).build(),
                    "a group running Netty's local transport");
            assertThrows(IllegalArgumentException.class,
                    () -> newWatcherBuilder().eventLoop(own).loopAffinity(0).build(),
                    "affinity for a supplied group");
        } finally {
            local.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            own.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** The transport under test, through the SPI: its Netty I/O handler is what the application's group runs. */
    private static TransportProvider provider() {
        return ServiceLoader.load(TransportProvider.class, TransportProvider.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals(transport().name())).findFirst()
                .orElseThrow(() -> new AssertionError("no provider named " + transport().name()));
    }
}
