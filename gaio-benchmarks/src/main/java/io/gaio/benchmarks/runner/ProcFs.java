package io.gaio.benchmarks.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What Linux's /proc tells about a server process (resident memory, CPU time, open descriptors, context switches)
 * and about the machine (busy time, loopback backlog drops, TCP retransmissions).
 */
final class ProcFs {
    /** USER_HZ, the unit of the CPU times in /proc/PID/stat; 100 on every Linux the JDK supports. */
    static final long NANOS_PER_TICK = 10_000_000L;

    private ProcFs() {
    }

    /** Resident set size in bytes ({@code VmRSS} of /proc/PID/status). */
    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** User plus system CPU time of every thread, in nanoseconds (10 ms resolution). */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // The command name, field 2, may hold spaces: count fields after its closing parenthesis.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** User, nice and system time of all CPUs since boot, in nanoseconds: how busy the whole machine was. */
    static long machineBusyNanos() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq ...: interrupts are our own traffic, so left out.
            return (Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])) * NANOS_PER_TICK;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Voluntary plus involuntary context switches of each thread, by thread id: /proc/PID/status counts one thread
     * only (the main one), so every /proc/PID/task/TID/status is read.
     */
    static Map<Long, Long> contextSwitches(long pid) {
        Map<Long, Long> byThread = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks) {
                long switches = 0;
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")
                                || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            switches += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException exited) {
                    continue; // the thread ended after the directory was listed
                }
                byThread.put(Long.parseLong(task.getFileName().toString()), switches);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byThread;
    }

    /**
     * Packets dropped because a CPU's input backlog was full (netdev_max_backlog), summed over CPUs: the second
     * column, in hex, of /proc/net/softnet_stat. Loopback traffic passes through that backlog, so these are
     * loopback's drops.
     */
    static long softnetDrops() {
        return softnetDrops(read("/proc/net/softnet_stat"));
    }

    static long softnetDrops(String softnetStat) {
        long drops = 0;
        for (String line : softnetStat.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2) {
                drops += Long.parseLong(f[1], 16);
            }
        }
        return drops;
    }

    /** TCP segments retransmitted since boot, machine-wide: {@code RetransSegs} in /proc/net/snmp's "Tcp:" lines. */
    static long tcpRetransSegs() {
        return tcpRetransSegs(read("/proc/net/snmp"));
    }

    static long tcpRetransSegs(String snmp) {
        List<String> tcp = snmp.lines().filter(l -> l.startsWith("Tcp:")).toList();
        // A line of names, then a line of values.
        List<String> names = List.of(tcp.get(0).split("\\s+"));
        return Long.parseLong(tcp.get(1).split("\\s+")[names.indexOf("RetransSegs")]);
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Open file descriptors. */
    static int openFds(long pid) {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path ignored : fds) {
                n++;
            }
        } catch (IOException e) {
            return -1;
        }
        return n;
    }
}
