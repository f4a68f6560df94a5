package io.gaio.benchmarks.runner;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * Keeps other people's work out of the numbers on a shared machine: before each load it waits until nothing but the
 * server uses CPU, and after it tells how much CPU other processes took meanwhile, so a disturbed run can be redone.
 */
final class QuietGuard {
    /** Other processes may use this much of one core during a run (the runner's own polling is a few %). */
    static final double MAX_FOREIGN_CPU_PCT = 15;
    private static final long SAMPLE_MILLIS = 1000;
    private static final long RETRY_MILLIS = 5000;
    private static final long GIVE_UP_MILLIS = TimeUnit.MINUTES.toMillis(30);

    private final PrintStream progress;
    private final boolean enabled;

    /**
     * @param enabled {@code false} to measure other processes' CPU use without waiting for them (--force)
     */
    QuietGuard(PrintStream progress, boolean enabled) {
        this.progress = progress;
        this.enabled = enabled;
    }

    boolean enabled() {
        return enabled;
    }

    /** Waits, up to half an hour, for a second in which other processes used less than the allowance. */
    void awaitQuiet(ServerProcess server) throws InterruptedException {
        if (!enabled) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GIVE_UP_MILLIS);
        boolean told = false;
        while (true) {
            long busy0 = ProcFs.machineBusyNanos();
            long ours0 = server.cpuNanos();
            long t0 = System.nanoTime();
            Thread.sleep(SAMPLE_MILLIS);
            double foreign = foreignPct(ProcFs.machineBusyNanos() - busy0, server.cpuNanos() - ours0,
                    System.nanoTime() - t0);
            if (foreign <= MAX_FOREIGN_CPU_PCT || System.nanoTime() > deadline) {
                return;
            }
            if (!told) {
                progress.printf("    waiting: other processes use %.0f%% of a core%n", foreign);
                told = true;
            }
            Thread.sleep(RETRY_MILLIS);
        }
    }

    /** The CPU that none of our processes (server, load generator, runner) used, in % of one core. */
    static double foreignPct(long machineBusyNanos, long oursNanos, long wallNanos) {
        return Math.max(0, 100.0 * (machineBusyNanos - oursNanos) / wallNanos);
    }
}
