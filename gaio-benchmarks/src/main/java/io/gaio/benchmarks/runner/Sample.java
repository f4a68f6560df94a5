package io.gaio.benchmarks.runner;

import java.util.Map;

/**
 * One measurement: one load against one server in one repetition.
 *
 * @param server     the server
 * @param load       the load
 * @param repetition 1-based
 * @param metrics    named values, e.g. {@code msgs_per_s}, {@code p99_ms}, {@code loadgen_cpu_pct}
 * @param failure    why the run does not count, or {@code null}
 */
record Sample(ServerKind server, Load load, int repetition, Map<String, Double> metrics, String failure) {
    boolean ok() {
        return failure == null;
    }
}
