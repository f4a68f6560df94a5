package io.gaio.conformance;

import static io.gaio.conformance.ChildJvm.expect;
import static io.gaio.conformance.ChildJvm.say;

import io.gaio.Connection;
import io.gaio.Listener;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.conformance.EchoServer.ReadMode;
import io.netty.buffer.ByteBuf;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link DescriptorExhaustionTest}, started with a descriptor limit of a few hundred so that the
 * test JVM is not starved, on the transport under test. It fills its descriptor table with {@code /dev/null} handles
 * and talks with the test over standard input and output, one line each.
 *
 * <p>{@code accept ROOM}: an {@link EchoServer} keeps four accepts pending on a {@link Listener} and submits another
 * after each failed one, as an application would. With room left for {@code ROOM} connections it prints
 * {@code READY <port>}. On {@code EXHAUSTED} (the test connected more clients than there is room for) it waits for the
 * first failed accept, measures for two seconds the CPU time of its Java threads (the event loop's and the one in
 * {@code waitIO()} among them) and of the whole process, and prints
 * {@code CPU threads=<ms> process=<ms> window=<ms> failures=<n> io=<whether the error is an IOException> error=<it>};
 * then closes every filler and prints {@code FREED}. On {@code DONE} it closes the listener and prints
 * {@code ACCEPTED ok=<n> failed=<n> closed=<n>}, {@code SETTLED <problems or none>} and {@code BYE}.
 *
 * <p>{@code connect}: with no descriptor left it connects to its own listener with a read submitted behind the
 * connect, and prints {@code FIRST connect=<outcome> io=<bool> read=<outcome> open=<bool>} (an outcome is {@code ok},
 * {@code thrown:<exception>} when the submission threw, or the error's class); then closes some fillers, connects
 * again, accepts it and sends a message through, and prints {@code SECOND connect=<outcome> accept=<outcome>
 * echo=<bool>}, then {@code SETTLED ...} and {@code BYE}.
 *
 * <p>Any failure prints its stack trace and exits with status 1; at the end Netty's leak detector runs.
 */
public final class DescriptorExhaustionChild {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long WINDOW_MILLIS = 2000;

    private DescriptorExhaustionChild() {
    }

    /**
     * Runs the child.
     *
     * @param args {@code accept ROOM} or {@code connect}
     */
    public static void main(String[] args) {
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if (args[0].equals("accept")) {
                acceptAtTheLimit(in, Integer.parseInt(args[1]));
            } else {
                connectAtTheLimit();
            }
            TransportTestBase.triggerLeakDetection();
            say("BYE");
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void acceptAtTheLimit(BufferedReader in, int room) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        threads.setThreadCpuTimeEnabled(true);
        CompletionLedger accepts = new CompletionLedger("accepts");
        EchoServer server = new EchoServer(Watcher.open(), ReadMode.RANDOM, 256, 71);
        try {
            Listener l = server.watcher().listen(TransportTestBase.loopback(0));
            server.acceptFrom(l, accepts, 4);
            // Both measures once before the limit, so that neither needs a descriptor for the first time later.
            threadsCpu(threads);
            processCpuNanos();
            List<FileInputStream> fillers = fill(room);
            say("READY " + l.localAddress().getPort());

            expect(in, "EXHAUSTED");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.acceptFailures() == 0 && System.nanoTime() - until < 0) {
                Thread.sleep(10);
            }
            Map<Long, Long> threads0 = threadsCpu(threads);
            long process0 = processCpuNanos();
            int failures0 = server.acceptFailures();
            long t0 = System.nanoTime();
            Thread.sleep(WINDOW_MILLIS);
            Map<Long, Long> threads1 = threadsCpu(threads);
            long process = processCpuNanos() - process0;
            long window = System.nanoTime() - t0;
            long threadsCpu = 0;
            for (Map.Entry<Long, Long> e : threads1.entrySet()) {
                threadsCpu += e.getValue() - threads0.getOrDefault(e.getKey(), 0L);
            }
            Throwable error = server.lastAcceptError();
            say("CPU threads=" + TimeUnit.NANOSECONDS.toMillis(threadsCpu) + " process="
                    + TimeUnit.NANOSECONDS.toMillis(process) + " window=" + TimeUnit.NANOSECONDS.toMillis(window)
                    + " failures=" + (server.acceptFailures() - failures0) + " io=" + (error instanceof IOException)
                    + " error=" + error);
            TransportTestBase.closeAll(fillers);
            say("FREED");

            expect(in, "DONE");
            l.close();
            accepts.awaitBookedElsewhere(WAIT);
            say("ACCEPTED ok=" + accepts.count("ok") + " failed=" + server.acceptFailures() + " closed="
                    + accepts.count("ConnectionClosedException"));
            say("SETTLED " + problems(accepts, server));
        } finally {
            server.close();
        }
    }

    private static void connectAtTheLimit() throws Exception {
        CompletionLedger ledger = new CompletionLedger("connects at the limit");
        try (Watcher w = Watcher.open()) {
            Listener l = w.listen(TransportTestBase.loopback(0));
            // Once before the limit, so that nothing but the sockets needs a descriptor later.
            exchange(w, ledger, l);
            List<FileInputStream> fillers = fill(0);

            Long connectId = ledger.open();
            Long readId = ledger.open();
            Connection c;
            try {
                c = w.connect(connectId, l.localAddress());
                w.read(readId, c, null);
            } catch (RuntimeException e) {
                say("FIRST connect=thrown:" + e);
                throw e;
            }
            Map<Operation, OpResult> first = byOperation(ledger.await(w, 2));
            OpResult connect = first.get(Operation.CONNECT);
            say("FIRST connect=" + outcome(connect) + " io=" + (connect.error() instanceof IOException) + " read="
                    + outcome(first.get(Operation.READ)) + " open=" + c.isOpen());

            TransportTestBase.closeAll(fillers.subList(0, 16));
            say("SECOND " + exchange(w, ledger, l));
            l.close();
            say("SETTLED " + problems(ledger, null));
            TransportTestBase.closeAll(fillers);
        }
    }

    /**
     * Connects to {@code l}, accepts there, sends a message from the connecting end to the accepted one, frees both;
     * returns {@code connect=<outcome> accept=<outcome> echo=<whether the message arrived>}.
     */
    private static String exchange(Watcher w, CompletionLedger ledger, Listener l) throws Exception {
        w.accept(ledger.open(), l);
        Connection c = w.connect(ledger.open(), l.localAddress());
        Map<Operation, OpResult> results = byOperation(ledger.await(w, 2));
        OpResult connect = results.get(Operation.CONNECT);
        OpResult accept = results.get(Operation.ACCEPT);
        boolean echo = false;
        if (connect.isSuccess() && accept.isSuccess()) {
            byte[] message = TransportTestBase.randomBytes(1000, 80);
            ByteBuf out = TransportTestBase.bufferOf(message);
            ByteBuf got = TransportTestBase.directBuffer(message.length);
            try {
                w.write(ledger.open(), c, out);
                w.readFull(ledger.open(), accept.connection(), got, null);
                ledger.await(w, 2);
                echo = Arrays.equals(message, TransportTestBase.readable(got));
            } finally {
                TransportTestBase.releaseQuietly(out, got);
            }
            w.free(accept.connection());
        }
        w.free(c);
        return "connect=" + outcome(connect) + " accept=" + outcome(accept) + " echo=" + echo;
    }

    /** Opens {@code /dev/null} until the descriptor table is full, then closes {@code room} of them again. */
    private static List<FileInputStream> fill(int room) throws IOException {
        List<FileInputStream> fillers = new ArrayList<>();
        try {
            while (true) {
                fillers.add(new FileInputStream("/dev/null"));
            }
        } catch (IOException descriptorLimit) {
            // the table is full
        }
        if (fillers.size() < room + 16) {
            throw new IOException("only " + fillers.size() + " descriptors were free to fill");
        }
        TransportTestBase.closeAll(fillers.subList(fillers.size() - room, fillers.size()));
        return new ArrayList<>(fillers.subList(0, fillers.size() - room));
    }

    private static Map<Operation, OpResult> byOperation(List<OpResult> results) {
        Map<Operation, OpResult> map = new HashMap<>();
        results.forEach(r -> map.put(r.operation(), r));
        return map;
    }

    private static String outcome(OpResult r) {
        return r == null ? "missing" : r.isSuccess() ? "ok" : r.error().getClass().getSimpleName();
    }

    /** What the books and the echo server found wrong, or {@code none}. */
    private static String problems(CompletionLedger ledger, EchoServer server) {
        List<String> problems = new ArrayList<>();
        try {
            ledger.assertSettled();
        } catch (AssertionError e) {
            problems.add(e.getMessage());
        }
        if (server != null) {
            problems.addAll(server.failures());
        }
        return problems.isEmpty() ? "none" : String.join("; ", problems);
    }

    private static Map<Long, Long> threadsCpu(ThreadMXBean threads) {
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long t = threads.getThreadCpuTime(id);
            if (t >= 0) {
                cpu.put(id, t);
            }
        }
        return cpu;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
