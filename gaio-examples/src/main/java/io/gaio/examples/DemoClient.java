package io.gaio.examples;

import io.gaio.ConnectOptions;
import io.gaio.Connection;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.Arrays;

/**
 * The demo's load: N connections, each sending {@code size} bytes and waiting for their echo, {@code rounds} times,
 * all at once through one client-side watcher, which also makes the connections ({@code connect} requests, no thread
 * waits for a handshake). Runs in its own process (started by {@link Demo}) so the server's memory figures are its
 * own and more connections fit than one process's file limit allows.
 *
 * <p>No local address is bound: the kernel then picks each source port for the whole address pair, and on loopback
 * reuses ports still in TIME_WAIT from an earlier run (the default {@code tcp_tw_reuse=2}), so runs may follow each
 * other; an explicit bind would keep a port per connection out of use for a minute after every run.
 *
 * <p>Prints {@code CONNECTED n}, then {@code PROGRESS done total} lines, then one {@code RESULT} line.
 */
final class DemoClient {
    /**
     * Connects in flight at most. The server's accept queue holds 4,096 (somaxconn) and the SYN queue 2,048
     * ({@code tcp_max_syn_backlog}): connects beyond those would be dropped and retried by TCP a second later.
     */
    private static final int CONNECT_WINDOW = 1000;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private DemoClient() {
    }

    static void main(Options options) throws Exception {
        int n = options.intValue("connections", 8192);
        int size = options.intValue("size", 1024);
        int rounds = options.intValue("rounds", 10);
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", options.intValue("port", 9000));

        Connection[] conns = new Connection[n];
        ByteBuf[] sent = new ByteBuf[n];
        ByteBuf[] received = new ByteBuf[n];
        long[] startedAt = new long[n];
        int[] roundsDone = new int[n];
        long[] latencies = new long[n * rounds];
        int completed = 0;
        int errors = 0;
        try (Watcher watcher = options.newWatcher()) {
            for (int i = 0; i < n; i++) {
                sent[i] = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
                for (int b = 0; b < size; b++) {
                    sent[i].writeByte(i + b);
                }
                received[i] = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
            }
            errors = connectAll(watcher, server, conns);
            System.out.println("CONNECTED " + (n - errors));
            long wallStart = System.nanoTime();
            int finishedConns = errors; // a connection that failed to connect takes no part
            for (int i = 0; i < n; i++) {
                if (conns[i] != null) {
                    startRound(watcher, i, conns, sent, received, startedAt);
                }
            }
            long nextProgress = System.nanoTime() + 1_000_000_000L;
            while (finishedConns < n) {
                for (OpResult res : watcher.waitIO(Duration.ofMillis(200))) {
                    int i = (Integer) res.context();
                    if (!res.isSuccess()) {
                        errors++;
                        if (res.operation() == Operation.READ) {
                            finishedConns++;
                        }
                        continue;
                    }
                    if (res.operation() == Operation.WRITE) {
                        continue;
                    }
                    latencies[completed++] = System.nanoTime() - startedAt[i];
                    if (!ByteBufUtil.equals(sent[i], 0, received[i], 0, size)) {
                        throw new IllegalStateException("connection " + i + " got back different bytes");
                    }
                    if (++roundsDone[i] < rounds) {
                        startRound(watcher, i, conns, sent, received, startedAt);
                    } else {
                        finishedConns++;
                    }
                }
                if (System.nanoTime() - nextProgress >= 0) {
                    nextProgress += 1_000_000_000L;
                    System.out.println("PROGRESS " + completed + " " + (long) n * rounds);
                }
            }
            long wall = System.nanoTime() - wallStart;
            long[] done = Arrays.copyOf(latencies, completed);
            Arrays.sort(done);
            System.out.println("RESULT messages=" + completed + " errors=" + errors + " wallNanos=" + wall
                    + " p50Nanos=" + percentile(done, 0.50) + " p99Nanos=" + percentile(done, 0.99)
                    + " transport=" + watcher.transport());
        } finally {
            // The watcher closed every connection (the server sees each end of stream and frees its side).
            for (int i = 0; i < n; i++) {
                if (sent[i] != null) {
                    sent[i].release();
                    received[i].release();
                }
            }
        }
    }

    /**
     * Connects every connection, at most {@link #CONNECT_WINDOW} at a time, each completed connect submitting the
     * next one.
     *
     * @return how many connects failed; their entries in {@code conns} are null
     */
    private static int connectAll(Watcher watcher, InetSocketAddress server, Connection[] conns)
            throws InterruptedException {
        ConnectOptions options = ConnectOptions.defaults().timeout(CONNECT_TIMEOUT)
                .option(StandardSocketOptions.TCP_NODELAY, true);
        int submitted = Math.min(CONNECT_WINDOW, conns.length);
        for (int i = 0; i < submitted; i++) {
            conns[i] = watcher.connect(i, server, options);
        }
        int failed = 0;
        for (int settled = 0; settled < conns.length; ) {
            for (OpResult res : watcher.waitIO()) {
                settled++;
                if (!res.isSuccess()) {
                    if (failed++ == 0) {
                        System.err.println("connect failed: " + res.error());
                    }
                    conns[(Integer) res.context()] = null;
                }
                if (submitted < conns.length) {
                    conns[submitted] = watcher.connect(submitted, server, options);
                    submitted++;
                }
            }
        }
        return failed;
    }

    private static void startRound(Watcher watcher, int i, Connection[] conns, ByteBuf[] sent, ByteBuf[] received,
                                   long[] startedAt) {
        startedAt[i] = System.nanoTime();
        watcher.readFull(i, conns[i], received[i].clear(), null);
        watcher.write(i, conns[i], sent[i].readerIndex(0));
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }
}
