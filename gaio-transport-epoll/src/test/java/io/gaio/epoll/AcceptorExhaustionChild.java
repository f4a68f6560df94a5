package io.gaio.epoll;

import io.gaio.Watcher;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The child JVM of {@link EpollAcceptorExhaustionTest}, started with a low descriptor limit so that the test JVM is
 * not starved. It runs an echo server on an {@link EpollAcceptor} and a watcher, accepting the way the acceptor's
 * Javadoc allows: an {@code IOException} from {@code accept()} (EMFILE) is counted and {@code accept()} called again,
 * since the acceptor stays usable. Then it fills its descriptor table with {@code /dev/null} handles, leaving room for
 * {@code args[0]} connections, and talks with the test over stdin/stdout, one line each:
 * <ol>
 *   <li>prints {@code READY <port>};</li>
 *   <li>on {@code EXHAUSTED} (the test has connected more clients than there are descriptors), waits for the first
 *       failed accept, then measures the CPU time of the accepting thread for two seconds and prints
 *       {@code CPU <ms> WINDOW <ms> FAILURES <failed accepts in the window> ERROR <the last accept error>}; then
 *       closes every filler and prints {@code FREED};</li>
 *   <li>on {@code DONE}, closes the acceptor and the watcher and prints {@code ACCEPTED <n>}, then {@code BYE}.</li>
 * </ol>
 */
public final class AcceptorExhaustionChild {
    private AcceptorExhaustionChild() {
    }

    /**
     * Runs the child.
     *
     * @param args the number of descriptors to leave free for the first connections
     * @throws Exception anything, which fails the test through the exit status
     */
    public static void main(String[] args) throws Exception {
        int room = Integer.parseInt(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        threads.setThreadCpuTimeEnabled(true);
        AtomicLong accepted = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicReference<String> lastError = new AtomicReference<>("none");
        Watcher w = Watcher.builder().transport("epoll").build();
        try (WatcherEcho echo = new WatcherEcho(w, "echo");
             EpollAcceptor acceptor = EpollAcceptor.open(w.eventLoop(),
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256, false)) {
            Thread acceptThread = new Thread(() -> {
                while (true) {
                    try {
                        EpollConnection c = acceptor.accept();
                        accepted.incrementAndGet();
                        echo.serve(c);
                    } catch (ClosedChannelException closed) {
                        return;
                    } catch (IOException e) {
                        failures.incrementAndGet();
                        lastError.set(e.toString());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "accept");
            acceptThread.setDaemon(true);
            acceptThread.start();

            List<FileInputStream> fillers = new ArrayList<>();
            try {
                while (true) {
                    fillers.add(new FileInputStream("/dev/null"));
                }
            } catch (IOException descriptorLimit) {
                // the table is full
            }
            for (int i = 0; i < room && !fillers.isEmpty(); i++) {
                fillers.remove(fillers.size() - 1).close();
            }
            say("READY " + acceptor.localAddress().getPort());

            expect(in, "EXHAUSTED");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (failures.get() == 0 && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            long cpu0 = threads.getThreadCpuTime(acceptThread.getId());
            long failures0 = failures.get();
            long t0 = System.nanoTime();
            Thread.sleep(2000);
            long cpu = threads.getThreadCpuTime(acceptThread.getId()) - cpu0;
            long window = System.nanoTime() - t0;
            long failed = failures.get() - failures0;
            say("CPU " + TimeUnit.NANOSECONDS.toMillis(cpu) + " WINDOW " + TimeUnit.NANOSECONDS.toMillis(window)
                    + " FAILURES " + failed + " TOTAL_FAILURES " + failures.get() + " ERROR " + lastError.get());
            for (FileInputStream f : fillers) {
                f.close();
            }
            fillers.clear();
            say("FREED");

            expect(in, "DONE");
        }
        say("ACCEPTED " + accepted.get());
        say("BYE");
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void expect(BufferedReader in, String word) throws IOException {
        String line = in.readLine();
        if (!word.equals(line)) {
            throw new IllegalStateException("expected " + word + " from the test, got " + line);
        }
    }
}
