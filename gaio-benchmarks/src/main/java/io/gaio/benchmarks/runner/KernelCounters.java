package io.gaio.benchmarks.runner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the kernel did during one load, between the load generator's window marks ({@code loadgen -M}: the measured
 * phase, and the stream's warm-up): the server's system calls (perf) and its threads' context switches, per round
 * trip, and the machine's loopback backlog drops and TCP retransmissions. The rate tells how fast a server is; these
 * tell where its time goes (a read that finds nothing costs a system call, a hand-off between threads costs context
 * switches) and whether the kernel dropped anything meanwhile. Outside the burst the window leaves out opening the
 * connections, and it never holds their closing, so a round trip's figures do not depend on how many round trips
 * share a connection.
 */
final class KernelCounters implements LoadGen.Window, AutoCloseable {
    private final long pid;
    private PerfStat perf;
    private String perfFailure;
    private Map<Long, Long> switchesBefore;
    private long dropsBefore;
    private long retransBefore;
    private long switches;
    private long drops;
    private long retrans;

    private KernelCounters(long pid, PerfStat perf, String perfFailure) {
        this.pid = pid;
        this.perf = perf;
        this.perfFailure = perfFailure;
    }

    /**
     * Attaches perf to the server; without perf (missing, not permitted), the other counters still count.
     *
     * @param perfLog where perf's messages go
     */
    static KernelCounters attach(long pid, Path perfLog) throws InterruptedException {
        try {
            return new KernelCounters(pid, PerfStat.attach(pid, perfLog), null);
        } catch (IOException e) {
            return new KernelCounters(pid, null, "perf stat: " + e.getMessage());
        }
    }

    @Override
    public void begin() throws InterruptedException {
        switchesBefore = ProcFs.contextSwitches(pid);
        dropsBefore = ProcFs.softnetDrops();
        retransBefore = ProcFs.tcpRetransSegs();
        if (perf != null) {
            try {
                perf.enable();
            } catch (IOException e) {
                perfFailed(e);
            }
        }
    }

    @Override
    public void end() throws InterruptedException {
        if (perf != null) {
            try {
                perf.disable();
            } catch (IOException e) {
                perfFailed(e);
            }
        }
        switches = switchesSince(switchesBefore, ProcFs.contextSwitches(pid));
        drops = ProcFs.softnetDrops() - dropsBefore;
        retrans = ProcFs.tcpRetransSegs() - retransBefore;
    }

    /**
     * The switches of the threads alive at the end since the start (all of them for a thread started meanwhile).
     * Those of a thread that ended meanwhile are lost; /proc keeps no total.
     */
    static long switchesSince(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> thread : after.entrySet()) {
            sum += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
        }
        return sum;
    }

    /**
     * Stops perf and adds {@code syscalls_per_op} (absent without perf), {@code ctxsw_per_op}, {@code softnet_drops}
     * and {@code retrans_segs}. Only after a successful load, which has passed both window marks.
     *
     * @param result the load generator's {@code RESULT} fields, for the round trips made in the window
     */
    void addMetrics(Load load, Map<String, String> result, Map<String, Double> m) throws InterruptedException {
        double ops = roundTrips(load, result);
        if (perf != null) {
            try {
                m.put("syscalls_per_op", perf.stop() / ops);
            } catch (IOException e) {
                perfFailed(e);
            }
        }
        m.put("ctxsw_per_op", switches / ops);
        m.put("softnet_drops", (double) drops);
        m.put("retrans_segs", (double) retrans);
    }

    /**
     * The unit the per-op figures count in: messages echoed, connections (burst), MB echoed (stream) or handshakes
     * (each a new connection's, with its echo).
     */
    static double roundTrips(Load load, Map<String, String> result) {
        switch (load.kind()) {
            case PINGPONG:
                return Double.parseDouble(result.get("msgs"));
            case BURST:
                return Double.parseDouble(result.get("ok"));
            case STREAM:
                return Double.parseDouble(result.get("window_bytes")) / 1e6;
            case HANDSHAKE:
                return Double.parseDouble(result.get("handshakes"));
            default:
                throw new IllegalArgumentException("no window in a " + load.kind() + " load");
        }
    }

    /** Why the system calls were not counted, or {@code null}. */
    String perfFailure() {
        return perfFailure;
    }

    private void perfFailed(IOException e) {
        perfFailure = "perf stat: " + e.getMessage();
        perf.close();
        perf = null;
    }

    @Override
    public void close() {
        if (perf != null) {
            perf.close();
        }
    }
}
