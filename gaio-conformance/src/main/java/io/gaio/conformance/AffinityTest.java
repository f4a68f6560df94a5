package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.InvalidCpuException;
import io.gaio.Watcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CPU affinity (rule 17; gaio's TestSetLoopAffinity with invalid ids): an id of a CPU the process may not run on
 * is refused with {@link InvalidCpuException}; a valid one pins the watcher's event loop thread (checked on Linux),
 * and the watcher works.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AffinityTest extends TransportTestBase {

    @Test
    void invalidCpuIds() {
        for (int cpu : new int[] {-1, -100, 65_536, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            InvalidCpuException e = assertThrows(InvalidCpuException.class,
                    () -> newWatcherBuilder().loopAffinity(cpu), () -> "CPU " + cpu);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "an explaining message");
        }
    }

    @Test
    void validCpuPinsTheLoop() throws Exception {
        Path status = Path.of("/proc/thread-self/status");
        assumeTrue(Files.isReadable(status), "pinning is checked on Linux only");
        int cpu = Runtime.getRuntime().availableProcessors() - 1;
        Watcher w;
        try {
            w = build(newWatcherBuilder().loopAffinity(cpu));
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, "pinning is not supported here: " + e.getMessage());
            return;
        }
        try (w) {
            String allowed = w.eventLoop().submit(() -> Files.readAllLines(status).stream()
                    .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElse("?"))
                    .get(10, TimeUnit.SECONDS);
            assertEquals("Cpus_allowed_list:\t" + cpu, allowed, "the event loop thread's CPUs");
        }
    }
}
