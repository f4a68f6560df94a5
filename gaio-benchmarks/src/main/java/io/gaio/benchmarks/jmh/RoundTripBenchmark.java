package io.gaio.benchmarks.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Submit → completion on one connection: write 64 bytes on one end of a loopback pair and read them on the other,
 * both ends owned by the same watcher, and wait in {@code waitIO()} until both requests completed. Covers the inbox,
 * the drain task, the socket calls, the completion hand-off and the consumer's wake-up, per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dio.netty.leakDetection.level=disabled",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
public class RoundTripBenchmark {
    /** The gaio transport. */
    @Param({"epoll", "io_uring", "nio"})
    public String transport;

    /** {@code swap}: reads without a buffer, into the swap buffer; {@code caller}: reads into a caller buffer. */
    @Param({"swap", "caller"})
    public String buffer;

    private EchoState state;

    /**
     * Opens the watcher and the connection pair.
     *
     * @throws IOException when loopback connections cannot be made
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        state = new EchoState(transport, buffer.equals("swap"), 1);
    }

    /** Closes the watcher, which closes both ends. */
    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
    }

    /**
     * One write and one read of 64 bytes, submitted and collected.
     *
     * @return the pairs served, so that the work is not dead code
     * @throws InterruptedException never, in practice
     */
    @Benchmark
    public int writeThenRead() throws InterruptedException {
        return state.transferAll();
    }
}
