#!/usr/bin/env bash
# vr-core's planner benchmarks: 1,000 and 10,000 hosts x 50 procs, a swarm of 200 changing
# release, heap capped at 512 MB.
#   ./vr-core/bench.sh [jmh args...]   JMH (wall time, sampling mode); e.g. -prof gc
#   ./vr-core/bench.sh cpu             thread CPU time per plan and the JVM's peak heap
#   ./vr-core/bench.sh rollout [args]  JMH: staged planning at max_parallel 10% beside the single diff, 1,000 hosts
#   ./vr-core/bench.sh rollout-cpu     the same two (and the staging alone) as thread CPU time
#   ./vr-core/bench.sh store [args]    JMH StoreBench: PostgreSQL (a private cluster), file and in-memory stores
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = rollout ]; then
  shift
  exec ./mvnw -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@bench \
    "-Dbench.args=RolloutBenchmark -p hosts=1000 -rf json -rff target/jmh-rollout.json $*"
fi
if [ "${1:-}" = store ]; then
  shift
  exec ./mvnw -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@bench \
    "-Dbench.args=StoreBench -rf json -rff target/jmh-store.json $*"
fi
if [ "${1:-}" = rollout-cpu ]; then
  exec ./mvnw -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@rollout-cpu
fi
if [ "${1:-}" = cpu ]; then
  exec ./mvnw -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@cpu
fi
exec ./mvnw -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@bench \
  "-Dbench.args=PlannerBenchmark -rf json -rff target/jmh-result.json $*"
