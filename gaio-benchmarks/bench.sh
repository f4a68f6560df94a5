#!/usr/bin/env bash
# Builds gaio-benchmarks (and the modules it needs) and runs the echo-server comparison:
#   gaio-benchmarks/bench.sh [--quick] [--reps N] [--servers a,b,...] [--jdk21 JAVA_HOME] [--force]
# Results: gaio-benchmarks/target/bench/results.md, results.svg, results.csv. MVN_ARGS adds Maven flags (e.g. -o);
# SKIP_BUILD=1 reuses the jar already built.
set -euo pipefail
module="$(cd "$(dirname "$0")" && pwd)"
cd "$module/.."
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    # shellcheck disable=SC2086 # MVN_ARGS is a list of flags
    mvn -B -q ${MVN_ARGS:-} package -DskipTests -pl gaio-benchmarks -am
fi
export BENCH_COMMAND="gaio-benchmarks/bench.sh $*"
exec java -cp "$module/target/gaio-benchmarks.jar" io.gaio.benchmarks.runner.BenchRunner --out "$module/target/bench" "$@"
