package io.gaio.examples;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * The demo's load: N connections, each sending {@code size} bytes and waiting for their echo, {@code rounds} times,
 * all at once through one client-side watcher. Runs in its own process (started by {@link Demo}) so the server's
 * memory figures are its own and more connections fit than one process's file limit allows.
 *
 * <p>Prints {@code CONNECTED}, then {@code PROGRESS done total} lines, then one {@code RESULT} line.
 */
final class DemoClient {
    /** Connections per source address, well inside the 28,000 ephemeral ports of one address. */
    private static final int CONNECTIONS_PER_SOURCE = 20_000;

    private DemoClient() {
    }

    static void main(Options options) throws Exception {
        int n = options.intValue("connections", 8192);
        int size = options.intValue("size", 1024);
        int rounds = options.intValue("rounds", 10);
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", options.intValue("port", 9000));
        int sourceBase = options.intValue("source-base", 2);

        SocketChannel[] conns = new SocketChannel[n];
        ByteBuf[] sent = new ByteBuf[n];
        ByteBuf[] received = new ByteBuf[n];
        long[] startedAt = new long[n];
        int[] roundsDone = new int[n];
        long[] latencies = new long[n * rounds];
        int completed = 0;
        int errors = 0;
        try (Watcher watcher = options.newWatcher()) {
            for (int i = 0; i < n; i++) {
                conns[i] = connect(server, "127.0.0." + (sourceBase + i / CONNECTIONS_PER_SOURCE));
                sent[i] = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
                for (int b = 0; b < size; b++) {
                    sent[i].writeByte(i + b);
                }
                received[i] = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
            }
            System.out.println("CONNECTED " + n);
            long wallStart = System.nanoTime();
            for (int i = 0; i < n; i++) {
                startRound(watcher, i, conns, sent, received, startedAt);
            }
            long nextProgress = System.nanoTime() + 1_000_000_000L;
            int finishedConns = 0;
            while (finishedConns < n) {
                for (OpResult res : watcher.waitIO(java.time.Duration.ofMillis(200))) {
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
            for (int i = 0; i < n; i++) {
                watcher.free(conns[i]);
            }
        } finally {
            for (int i = 0; i < n; i++) {
                if (sent[i] != null) {
                    sent[i].release();
                    received[i].release();
                }
                if (conns[i] != null) {
                    conns[i].close();
                }
            }
        }
    }

    private static void startRound(Watcher watcher, int i, SocketChannel[] conns, ByteBuf[] sent, ByteBuf[] received,
                                   long[] startedAt) {
        startedAt[i] = System.nanoTime();
        watcher.readFull(i, conns[i], received[i].clear(), null);
        watcher.write(i, conns[i], sent[i].readerIndex(0));
    }

    private static SocketChannel connect(InetSocketAddress server, String source) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.bind(new InetSocketAddress(source, 0));
        ch.connect(server);
        return ch;
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }
}
