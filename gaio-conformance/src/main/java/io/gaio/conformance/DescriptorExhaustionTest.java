package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The process's descriptor limit reached (EMFILE), in a child JVM ({@link DescriptorExhaustionChild}) whose limit
 * {@code prlimit} (or, without util-linux, as on macOS, the shell's {@code ulimit}) lowers to {@value #LIMIT}, on the
 * transport under test:
 * <ul>
 *   <li>accept: with room for {@value #FIRST} connections and {@value #QUEUED} more queued in the kernel, accepts
 *       fail with an IOException, and the child, which submits a new accept after each failure, must not spin: at
 *       most {@value #MAX_CPU_MILLIS} ms of CPU time in a 2 s window (its Java threads, the event loop's included, and
 *       the whole process); once descriptors are freed every queued connection is accepted, once, and echoes;</li>
 *   <li>connect: a connect at the limit completes with an IOException (not a hang, not an exception at submission),
 *       a read submitted behind it ends with ConnectionClosedException, and connecting works again once descriptors
 *       are free.</li>
 * </ul>
 * The child's requests are booked in a {@link CompletionLedger}; it must exit cleanly, without a {@code LEAK:}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DescriptorExhaustionTest extends TransportTestBase {
    private static final int LIMIT = 256;
    private static final int FIRST = 5;
    private static final int QUEUED = 20;
    /** A spinning loop burns the whole window; one that waits for readiness or a back-off timer next to nothing. */
    private static final long MAX_CPU_MILLIS = 200;
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
    private static final Path SH = Path.of("/bin/sh");
    private static final Pattern CPU = Pattern.compile(
            "CPU threads=(\\d+) process=(\\d+) window=(\\d+) failures=(\\d+) io=(true|false) error=(.*)");

    @BeforeEach
    void requireALimitCommand() {
        assumeTrue(Files.isExecutable(PRLIMIT) || Files.isExecutable(SH), "needs " + PRLIMIT + " (util-linux) or "
                + SH + " to lower the child's descriptor limit; both are missing here");
    }

    @Test
    void acceptBacksOffAtTheLimitAndRecovers() throws Exception {
        List<SocketChannel> clients = new ArrayList<>();
        try (ChildJvm child = startChild("accept", String.valueOf(FIRST))) {
            String ready = child.next("READY ");
            InetSocketAddress server = loopback(Integer.parseInt(ready.substring("READY ".length()).trim()));
            for (int i = 0; i < FIRST; i++) {
                clients.add(Loopback.client(server));
                assertEchoes(clients.get(i), i);
            }
            for (int i = 0; i < QUEUED; i++) {
                clients.add(Loopback.client(server));
            }
            child.send("EXHAUSTED");
            String cpuLine = child.next("CPU");
            Matcher m = CPU.matcher(cpuLine);
            assertTrue(m.matches(), cpuLine);
            child.next("FREED");
            for (int i = FIRST; i < FIRST + QUEUED; i++) {
                assertEchoes(clients.get(i), i);
            }
            child.send("DONE");
            String accepted = child.next("ACCEPTED");
            assertSettledAndExited(child);
            System.out.println("at EMFILE: " + cpuLine + "; after freeing descriptors: " + accepted);
            assertAll(
                    () -> assertTrue(Integer.parseInt(m.group(4)) > 0, "the accepts stopped trying at the limit, so "
                            + "nothing would be accepted without a new arrival: " + cpuLine),
                    () -> assertEquals("true", m.group(5), "the error of a failed accept is an IOException: "
                            + cpuLine),
                    () -> assertTrue(Long.parseLong(m.group(1)) <= MAX_CPU_MILLIS, "the child's threads spun at "
                            + "EMFILE: " + cpuLine),
                    () -> assertTrue(Long.parseLong(m.group(2)) <= MAX_CPU_MILLIS, "the child process spun at "
                            + "EMFILE: " + cpuLine),
                    () -> assertTrue(accepted.startsWith("ACCEPTED ok=" + (FIRST + QUEUED) + " "),
                            "every connection accepted once: " + accepted));
        } finally {
            closeAll(clients);
        }
    }

    @Test
    void connectFailsAtTheLimitAndWorksAgainAfter() throws Exception {
        try (ChildJvm child = startChild("connect")) {
            String first = child.next("FIRST");
            String second = child.next("SECOND");
            assertSettledAndExited(child);
            System.out.println("at EMFILE: " + first + "; after freeing descriptors: " + second);
            assertAll(
                    () -> assertTrue(!first.contains("thrown") && !first.contains("connect=ok"), "a connect at the "
                            + "limit must complete with an error, not throw or succeed: " + first),
                    () -> assertTrue(first.contains(" io=true"), "its error is an IOException: " + first),
                    () -> assertTrue(first.contains(" read=ConnectionClosedException"), "a read behind it: " + first),
                    () -> assertTrue(first.endsWith(" open=false"), "its connection is closed: " + first),
                    () -> assertEquals("SECOND connect=ok accept=ok echo=true", second));
        }
    }

    /** The child's last lines: its books must be settled, and it must exit cleanly. */
    private static void assertSettledAndExited(ChildJvm child) throws Exception {
        assertEquals("SETTLED none", child.next("SETTLED"), "the child's books");
        child.next("BYE");
        child.assertExitedCleanly(WAIT);
    }

    private static ChildJvm startChild(String... args) throws Exception {
        return ChildJvm.start(limitPrefix(), DescriptorExhaustionChild.class, args);
    }

    /** The command that runs the child under the limit: prlimit, else the shell's ulimit (macOS, the BSDs). */
    private static List<String> limitPrefix() {
        if (Files.isExecutable(PRLIMIT)) {
            return List.of(PRLIMIT.toString(), "--nofile=" + LIMIT + ":" + LIMIT);
        }
        return List.of(SH.toString(), "-c", "ulimit -n " + LIMIT + " && exec \"$0\" \"$@\"");
    }

    /** One message through the child's echo server. */
    private static void assertEchoes(SocketChannel client, int i) throws Exception {
        byte[] message = randomBytes(100 + i, 90 + i);
        sendAll(client, message);
        assertArrayEquals(message, readExactly(client, message.length, WAIT), "the echo of connection " + i);
    }
}
