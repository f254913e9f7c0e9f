#!/usr/bin/env bash
# Runs vr-core's JMH benchmarks (the planner's: 1,000 and 10,000 hosts x 50 procs, a swarm of 200
# changing release; heap capped at 512 MB). Extra arguments go to JMH, e.g. -prof gc.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@bench \
  "-Dbench.args=PlannerBenchmark -rf json -rff target/jmh-result.json $*"
