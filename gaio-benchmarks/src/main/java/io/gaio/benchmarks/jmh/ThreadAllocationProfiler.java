package io.gaio.benchmarks.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Bytes allocated per operation by thread, where JMH's {@code -prof gc} counts the whole process: {@code loop.alloc.norm}
 * sums gaio's event loop threads (named {@code gaio-<transport>-…}), {@code caller.alloc.norm} the benchmark threads,
 * which submit requests and call {@code waitIO()} (plus JMH's own small per-invocation bookkeeping); and the CPU time
 * of the loop threads per operation, {@code loop.cpu.norm}, the engine's own cost apart from the caller's. Counted
 * with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} and {@code getThreadCpuTime} from the start to
 * the end of each iteration, divided by the iteration's operations, warm-up included; so steady state shows in the
 * measured iterations.
 * JMH tears a trial down before the last iteration's profilers run, so benchmarks call {@link #threadsEnding()}
 * before they close their watchers, and the last figures of the ended threads are used.
 * Use: {@code java -jar gaio-benchmarks.jar -prof io.gaio.benchmarks.jmh.ThreadAllocationProfiler}.
 */
public final class ThreadAllocationProfiler implements InternalProfiler {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Watcher loops are named by Netty's DefaultThreadFactory("gaio-" + transport): gaio-epoll-1-1. */
    private static final Predicate<String> LOOP_THREAD = name -> name.startsWith("gaio-");
    /** JMH names its threads after the benchmark: ...RoundTripBenchmark.writeThenRead-jmh-worker-1. */
    private static final Predicate<String> BENCHMARK_THREAD = name -> name.contains("-jmh-worker-");

    /** The last figures of threads that were about to end, by thread id. */
    private static final Map<Long, Long> ENDED = new ConcurrentHashMap<>();
    private static final Map<Long, Long> ENDED_CPU = new ConcurrentHashMap<>();

    private Map<Long, Long> loopBefore = Map.of();
    private Map<Long, Long> callerBefore = Map.of();
    private Map<Long, Long> loopCpuBefore = Map.of();

    /** Called by JMH. */
    public ThreadAllocationProfiler() {
        THREADS.setThreadAllocatedMemoryEnabled(true);
    }

    @Override
    public String getDescription() {
        return "bytes allocated per operation by gaio's event loop threads and by the benchmark threads, and the "
                + "loop threads' CPU time per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        loopBefore = allocated(LOOP_THREAD);
        callerBefore = allocated(BENCHMARK_THREAD);
        loopCpuBefore = loopCpu();
    }

    @Override
    @SuppressWarnings("rawtypes") // JMH declares the method with the raw Result type
    public List<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                 IterationResult result) {
        double ops = Math.max(1, result.getMetadata().getAllOps());
        return List.of(
                new ScalarResult("loop.alloc.norm", delta(loopBefore, allocated(LOOP_THREAD)) / ops, "B/op",
                        AggregationPolicy.AVG),
                new ScalarResult("caller.alloc.norm", delta(callerBefore, allocated(BENCHMARK_THREAD)) / ops, "B/op",
                        AggregationPolicy.AVG),
                new ScalarResult("loop.cpu.norm", delta(loopCpuBefore, loopCpu()) / ops, "ns/op",
                        AggregationPolicy.AVG));
    }

    /** Records the figures of gaio's loop threads, which are about to end; call before closing watchers. */
    public static void threadsEnding() {
        ENDED.putAll(allocated(LOOP_THREAD));
        ENDED_CPU.putAll(loopCpu());
    }

    /** CPU time of gaio's loop threads, by thread id, ended ones included. */
    private static Map<Long, Long> loopCpu() {
        Map<Long, Long> nanos = new HashMap<>(ENDED_CPU);
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && LOOP_THREAD.test(t.getThreadName())) {
                nanos.put(t.getThreadId(), THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return nanos;
    }

    /** Allocated bytes of every thread whose name {@code which} accepts, by thread id, ended ones included. */
    private static Map<Long, Long> allocated(Predicate<String> which) {
        Map<Long, Long> bytes = new HashMap<>(which == LOOP_THREAD ? ENDED : Map.of());
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && which.test(t.getThreadName())) {
                bytes.put(t.getThreadId(), THREADS.getThreadAllocatedBytes(t.getThreadId()));
            }
        }
        return bytes;
    }

    /** Bytes allocated since {@code before}; a thread that started meanwhile counts from zero. */
    private static long delta(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }
}
