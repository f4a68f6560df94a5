package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.Transports;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A JVM that a test starts on its own class path, for what cannot happen in the test's JVM: a lower descriptor limit
 * (under a command prefix such as {@code prlimit}) or thousands of connections from another process. It runs the
 * transport under test ({@code -Dgaio.transport}) with Netty's paranoid leak detection and the suite's own
 * {@code gaio.test.*} properties ({@link Platform}), and talks with the test a line at a time: {@link #next} reads its
 * standard output, {@link #send} writes to its standard input; its standard error is copied to the test's output and
 * kept for failure messages. {@link #assertExitedCleanly} checks that it ended with status 0 and without a
 * {@code LEAK:} report. Closing kills it if it still runs.
 */
final class ChildJvm implements AutoCloseable {
    /** How long the test waits for each line of the child. */
    static final Duration LINE_WAIT = Duration.ofSeconds(60);

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Queue<String> errors = new ConcurrentLinkedQueue<>();
    private final PrintWriter toChild;

    private ChildJvm(Process process) {
        this.process = process;
        this.toChild = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        pump(process.getInputStream(), lines::add, "child stdout");
        pump(process.getErrorStream(), line -> {
            errors.add(line);
            System.err.println("child: " + line);
        }, "child stderr");
    }

    /**
     * Starts {@code main} with {@code args} in a new JVM, behind {@code prefix} (a command that runs the rest, or
     * nothing).
     */
    static ChildJvm start(List<String> prefix, Class<?> main, String... args) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-D" + Transports.TRANSPORT_PROPERTY + "=" + TransportTestBase.transport().name(),
                "-Dio.netty.leakDetection.level=paranoid"));
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith(Platform.PREFIX)) {
                command.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        command.addAll(List.of("-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        return new ChildJvm(pb.start());
    }

    /** The child's next line, which must start with {@code word}; fails when none comes within {@link #LINE_WAIT}. */
    String next(String word) throws InterruptedException {
        String line = lines.poll(LINE_WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(line, () -> "the child said nothing within " + LINE_WAIT + " while the test waited for " + word
                + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")") + "; its stderr: "
                + stderr());
        assertTrue(line.startsWith(word), () -> "expected " + word + " from the child, got: " + line
                + "; its stderr: " + stderr());
        return line;
    }

    /** Sends one line to the child. */
    void send(String line) {
        toChild.println(line);
    }

    /** Waits for the child to exit; fails unless it exited with status 0 and reported no leaked buffer. */
    void assertExitedCleanly(Duration timeout) throws InterruptedException {
        assertTrue(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS), "the child did not exit within "
                + timeout);
        assertEquals(0, process.exitValue(), () -> "the child's exit status; its stderr: " + stderr());
        assertFalse(errors.stream().anyMatch(l -> l.contains("LEAK:")), () -> "Netty's leak detector reported a "
                + "leak in the child: " + stderr());
    }

    private String stderr() {
        return String.join("\n", errors);
    }

    /** Kills the child if it still runs. */
    @Override
    public void close() throws InterruptedException {
        toChild.close();
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private static void pump(InputStream stream, Consumer<String> sink, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException ended) {
                // the child is gone
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** The child's side: one line to the test, flushed at once. */
    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** The child's side: reads the test's next line, which must be {@code word}. */
    static void expect(BufferedReader in, String word) throws IOException {
        String line = in.readLine();
        if (!word.equals(line)) {
            throw new IllegalStateException("expected " + word + " from the test, got " + line);
        }
    }
}
