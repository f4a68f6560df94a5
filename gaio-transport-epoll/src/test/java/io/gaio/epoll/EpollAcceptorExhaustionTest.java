package io.gaio.epoll;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The descriptor limit reached while accepting (reliability, exhaustion): in a child JVM whose limit is lowered to
 * {@value #LIMIT} descriptors with {@code prlimit} (so that this JVM is not starved), an {@link EpollAcceptor} feeds a
 * watcher's echo server ({@link AcceptorExhaustionChild}); the child fills its descriptor table, leaving room for
 * {@value #FIRST} connections, and this test connects {@value #FIRST} clients and then {@value #QUEUED} more, which
 * the kernel queues but the child cannot accept (EMFILE). While the child is at the limit, its accepting thread, which
 * calls {@code accept()} again after each failure as the acceptor's Javadoc allows, must back off instead of
 * spinning: at most {@value #MAX_CPU_MILLIS} ms of CPU time in a 2 s window. Once the child frees descriptors, every
 * queued connection must be accepted and echo.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EpollAcceptorExhaustionTest {
    private static final int LIMIT = 256;
    private static final int FIRST = 5;
    private static final int QUEUED = 20;
    /** A spinning loop burns the whole window; one that waits for readiness or a back-off timer next to nothing. */
    private static final long MAX_CPU_MILLIS = 200;
    private static final long LINE_WAIT_SECONDS = 30;
    private static final Pattern CPU = Pattern.compile(
            "CPU (\\d+) WINDOW (\\d+) FAILURES (\\d+) TOTAL_FAILURES (\\d+) ERROR (.*)");

    @Test
    void acceptBacksOffAtTheDescriptorLimitAndRecovers() throws Exception {
        assumeTrue(Epoll.isAvailable(), () -> "epoll unavailable: " + Epoll.unavailabilityCause());
        Path prlimit = Path.of("/usr/bin/prlimit");
        assumeTrue(Files.isExecutable(prlimit), "needs util-linux prlimit to lower the child's descriptor limit");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(prlimit.toString(), "--nofile=" + LIMIT + ":" + LIMIT, java,
                "-Xmx256m", "-Dio.netty.leakDetection.level=paranoid", "-cp", classPath,
                AcceptorExhaustionChild.class.getName(), String.valueOf(FIRST));
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process child = pb.start();
        Queue<String> childErrors = new ConcurrentLinkedQueue<>();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        pump(child.getInputStream(), lines::add, "child stdout");
        pump(child.getErrorStream(), line -> {
            childErrors.add(line);
            System.err.println("child: " + line);
        }, "child stderr");
        List<Socket> clients = new ArrayList<>();
        try (PrintWriter toChild = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String ready = next(lines, "READY", childErrors);
            int port = Integer.parseInt(ready.substring("READY ".length()).trim());
            InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            for (int i = 0; i < FIRST; i++) {
                Socket s = connect(server, clients);
                assertArrayEquals(message(i), roundTrip(s, message(i), 10_000), "echo on first connection " + i);
            }
            for (int i = 0; i < QUEUED; i++) {
                connect(server, clients);
            }
            toChild.println("EXHAUSTED");
            String cpuLine = next(lines, "CPU", childErrors);
            Matcher m = CPU.matcher(cpuLine);
            assertTrue(m.matches(), cpuLine);
            long cpu = Long.parseLong(m.group(1));
            long window = Long.parseLong(m.group(2));
            long failedInWindow = Long.parseLong(m.group(3));
            String error = m.group(5);
            next(lines, "FREED", childErrors);
            List<String> notServed = new ArrayList<>();
            for (int i = FIRST; i < FIRST + QUEUED; i++) {
                try {
                    byte[] back = roundTrip(clients.get(i), message(i), 10_000);
                    if (!Arrays.equals(message(i), back)) {
                        notServed.add(i + ": wrong echo");
                    }
                } catch (IOException e) {
                    notServed.add(i + ": " + e);
                }
            }
            toChild.println("DONE");
            String acceptedLine = next(lines, "ACCEPTED", childErrors);
            next(lines, "BYE", childErrors);
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not exit");
            System.out.println("at EMFILE: accepting thread used " + cpu + " ms of CPU in " + window + " ms, "
                    + failedInWindow + " failed accepts (" + error + "); after freeing descriptors "
                    + (QUEUED - notServed.size()) + " of " + QUEUED + " queued connections served; " + acceptedLine);
            assertAll(
                    () -> assertFalse(error.equals("none"), "the child never hit the descriptor limit"),
                    () -> assertTrue(cpu <= MAX_CPU_MILLIS, "the accepting thread spun at EMFILE: " + cpu
                            + " ms of CPU in " + window + " ms, " + failedInWindow + " failed accepts (" + error
                            + ")"),
                    () -> assertEquals(List.of(), notServed, "queued connections not served after descriptors "
                            + "were freed"),
                    () -> assertEquals("ACCEPTED " + (FIRST + QUEUED), acceptedLine),
                    () -> assertEquals(0, child.exitValue(), "the child's exit status"),
                    () -> assertFalse(childErrors.stream().anyMatch(l -> l.contains("LEAK:")),
                            "Netty's leak detector reported a leak in the child"));
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Socket connect(InetSocketAddress server, List<Socket> clients) throws IOException {
        Socket s = new Socket();
        clients.add(s);
        s.connect(server, 10_000);
        s.setTcpNoDelay(true);
        return s;
    }

    private static byte[] message(int i) {
        return ("connection " + i).getBytes(StandardCharsets.UTF_8);
    }

    /** Sends {@code message} and reads as many bytes back, each read waiting at most {@code timeoutMillis}. */
    private static byte[] roundTrip(Socket s, byte[] message, int timeoutMillis) throws IOException {
        s.setSoTimeout(timeoutMillis);
        OutputStream out = s.getOutputStream();
        out.write(message);
        out.flush();
        InputStream in = s.getInputStream();
        byte[] back = new byte[message.length];
        int got = 0;
        try {
            while (got < back.length) {
                int n = in.read(back, got, back.length - got);
                if (n < 0) {
                    throw new IOException("end of stream after " + got + " bytes");
                }
                got += n;
            }
        } catch (SocketTimeoutException e) {
            throw new IOException("no echo within " + timeoutMillis + " ms (" + got + " bytes)", e);
        }
        return back;
    }

    /** The child's next line, which must start with {@code word}. */
    private static String next(BlockingQueue<String> lines, String word, Queue<String> childErrors)
            throws InterruptedException {
        String line = lines.poll(LINE_WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(line, () -> "the child said nothing within " + LINE_WAIT_SECONDS + " s while the test waited "
                + "for " + word + "; its stderr: " + String.join("\n", childErrors));
        assertTrue(line.startsWith(word), () -> "expected " + word + " from the child, got: " + line
                + "; its stderr: " + String.join("\n", childErrors));
        return line;
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
}
