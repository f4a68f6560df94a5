package io.gaio.benchmarks.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The two JVM setups: how a server is started in each, what the idle load's total counts, and {@code --default-jvm},
 * which runs the busy loads as a user starts a server.
 */
class JvmSetupTest {
    private final Launcher launcher = new Launcher("bench.jar", Path.of("java"), null, Path.of("echo_server"), null);

    @Test
    void defaultJvmGetsNoHeapOrCollectorFlags() {
        List<String> cmd = launcher.command(ServerKind.GAIO_EPOLL, 9000, Launcher.Jvm.DEFAULT);
        assertTrue(cmd.containsAll(Launcher.COMMON_FLAGS), cmd.toString());
        assertTrue(cmd.stream().noneMatch(f -> f.startsWith("-Xm") || f.startsWith("-XX:")), cmd.toString());
        List<String> preTouched = launcher.command(ServerKind.GAIO_EPOLL, 9000, Launcher.Jvm.PRE_TOUCHED);
        assertTrue(preTouched.containsAll(List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch")), preTouched.toString());
        assertEquals(List.of("echo_server", "9000"), launcher.command(ServerKind.C_EPOLL, 9000, Launcher.Jvm.DEFAULT));
    }

    @Test
    void theViewsAreDifferentLoadsOnlyForIdle() {
        Plan plan = Plan.full(3);
        assertEquals(List.of("idle-default-1000-10000", "idle-pretouched-1000-10000"),
                plan.idle().stream().map(Load::id).toList());
        assertFalse(plan.idle().get(0).equals(plan.idle().get(1)));
        assertTrue(plan.busy().stream().allMatch(l -> l.jvm() == Launcher.Jvm.PRE_TOUCHED));
        assertEquals("pingpong-1000", Load.pingpong(1000, 64, 1).id());
    }

    @Test
    void defaultJvmOptionMovesTheBusyLoadsOnly() {
        Plan tuned = RunnerOptions.parse(new String[] {"--reps", "2"}).plan();
        Plan plan = RunnerOptions.parse(new String[] {"--default-jvm", "--reps", "2"}).plan();
        assertTrue(plan.busy().stream().allMatch(l -> l.jvm() == Launcher.Jvm.DEFAULT), plan.busy().toString());
        assertTrue(plan.warmup().stream().allMatch(l -> l.jvm() == Launcher.Jvm.DEFAULT), plan.warmup().toString());
        assertEquals(tuned.busy().stream().map(Load::id).toList(), plan.busy().stream().map(Load::id).toList());
        assertEquals(tuned.idle(), plan.idle());
        assertEquals(2, plan.repetitions());
        assertEquals("results-default-jvm", plan.resultsName());
        assertEquals("results", tuned.resultsName());
        Plan tls = RunnerOptions.parse(new String[] {"--tls", "--default-jvm"}).plan();
        assertEquals("results-tls-default-jvm", tls.resultsName());
        assertEquals("tls, default JVM", tls.name());
        assertTrue(tls.tls());
        assertTrue(RunnerOptions.usage().contains("--default-jvm"), RunnerOptions.usage());
    }

    @Test
    void totalAddsTheLiveHeapOnlyWhenRssLeavesItOut() {
        // {connections, rss, heap, direct}
        long[] first = {1000, 50_000_000, 4_000_000, 0};
        long[] last = {10_000, 59_000_000, 13_000_000, 0};
        assertEquals(1000.0, slopes(Launcher.Jvm.DEFAULT, first, last).get("total_per_conn"));
        assertEquals(2000.0, slopes(Launcher.Jvm.PRE_TOUCHED, first, last).get("total_per_conn"));
        assertEquals(1000.0, slopes(Launcher.Jvm.DEFAULT, first, last).get("heap_per_conn"));
    }

    private static Map<String, Double> slopes(Launcher.Jvm jvm, long[] first, long[] last) {
        Map<String, Double> m = new HashMap<>();
        Session.IdleMemory.slopes(jvm, first, last, m);
        return m;
    }
}
