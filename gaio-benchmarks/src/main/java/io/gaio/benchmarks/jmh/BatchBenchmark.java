package io.gaio.benchmarks.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Batch collection with many connections: submit a 64-byte write and a read on each of {@value #PAIRS} loopback
 * pairs at once, then collect all {@code 2 × }{@value #PAIRS} completions through as few {@code waitIO()} calls as the
 * engine batches them into. Scores are per pair (one write plus one read); the {@code waitIOCalls} and
 * {@code completions} counters are totals, and their quotient is the mean batch size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dio.netty.leakDetection.level=disabled",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
public class BatchBenchmark {
    /** Connection pairs served per operation; a constant, since JMH's operations per invocation must be one. */
    public static final int PAIRS = 1000;

    /** The gaio transport. */
    @Param({"epoll", "io_uring", "nio"})
    public String transport;

    /** {@code swap}: reads without a buffer, into the swap buffer; {@code caller}: reads into caller buffers. */
    @Param({"swap", "caller"})
    public String buffer;

    private EchoState state;

    /** How the completions arrived: totals over the measured iterations. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Batches {
        /** {@code waitIO()} calls. */
        public long waitIOCalls;
        /** Completions collected. */
        public long completions;

        /** Zeroes the counters, so that warm-up is not counted. */
        @Setup(Level.Iteration)
        public void reset() {
            waitIOCalls = 0;
            completions = 0;
        }
    }

    /**
     * Opens the watcher and the connection pairs.
     *
     * @throws IOException when loopback connections cannot be made
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        state = new EchoState(transport, buffer.equals("swap"), PAIRS);
    }

    /** Closes the watcher, which closes every connection. */
    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
    }

    /**
     * One message over every pair.
     *
     * @param batches where to count waitIO() calls and completions
     * @return the pairs served
     * @throws InterruptedException never, in practice
     */
    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public int allPairs(Batches batches) throws InterruptedException {
        long calls = state.waitIOCalls;
        long done = state.completions;
        int n = state.transferAll();
        batches.waitIOCalls += state.waitIOCalls - calls;
        batches.completions += state.completions - done;
        return n;
    }
}
