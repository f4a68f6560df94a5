package io.gaio.benchmarks.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the kernel's counters are read and turned into per-round-trip figures, on text copied from a Linux 6.18. */
class KernelCountersTest {
    @Test
    void softnetDropsAreTheSecondHexColumnSummedOverCpus() {
        String stat = "04effc64 00005d8f 0000000c 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
                + " 00000000 00000000 00000000 00000000 00000000\n"
                + "0503832b 0000000a 00000019 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
                + " 00000000 00000000 00000001 00000000 00000001\n";
        assertEquals(0x5d8f + 10, ProcFs.softnetDrops(stat));
    }

    @Test
    void retransSegsComesFromTheTcpLines() {
        String snmp = "Ip: Forwarding DefaultTTL\nIp: 1 64\n"
                + "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab"
                + " InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
                + "Tcp: 1 200 120000 -1 7483107 7457801 3740 1718919 0 166952802 166681605 393095 38 1271609 0\n"
                + "Udp: InDatagrams NoPorts\nUdp: 5 6\n";
        assertEquals(393_095, ProcFs.tcpRetransSegs(snmp));
    }

    @Test
    void theMachineCountersCanBeRead() {
        assertTrue(ProcFs.softnetDrops() >= 0);
        assertTrue(ProcFs.tcpRetransSegs() >= 0);
        Map<Long, Long> threads = ProcFs.contextSwitches(ProcessHandle.current().pid());
        assertTrue(threads.size() > 1, threads.toString()); // a JVM has more than one thread
    }

    @Test
    void perfCountOrNothing() {
        List<String> counted = List.of("# started on Wed Dec  2 23:34:43 2026", "",
                "201736,,raw_syscalls:sys_enter,811748926,100.00,,");
        assertEquals(201_736, PerfStat.count(counted).getAsLong());
        assertFalse(PerfStat.count(List.of("<not counted>,,raw_syscalls:sys_enter,0,100.00,,")).isPresent());
        assertFalse(PerfStat.count(List.of("<not supported>,,raw_syscalls:sys_enter,0,100.00,,")).isPresent());
        assertFalse(PerfStat.count(List.of()).isPresent());
    }

    @Test
    void switchesOfNewThreadsCountWholeAndEndedThreadsNot() {
        // Thread 1 switched 5 times, thread 3 started meanwhile (7), thread 2 ended.
        assertEquals(12, KernelCounters.switchesSince(Map.of(1L, 100L, 2L, 50L), Map.of(1L, 105L, 3L, 7L)));
    }

    @Test
    void roundTripsPerLoadKind() {
        assertEquals(2000, KernelCounters.roundTrips(Load.pingpong(1000, 64, 2), Map.of("msgs", "2000")));
        assertEquals(1024, KernelCounters.roundTrips(Load.burst(1024, 1024, true), Map.of("ok", "1024")));
        // The stream's window holds its warm-up: window_bytes, not bytes, in MB of 10^6 bytes.
        assertEquals(864.834079, KernelCounters.roundTrips(Load.stream(1, 65536, 0.2, 0.5),
                Map.of("bytes", "600000000", "window_bytes", "864834079")), 1e-9);
    }
}
