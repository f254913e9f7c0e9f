#!/bin/sh
# Runs io.velociraptor.lxc.RunnerBenchmark (setup + run to first HTTP answer + teardown, median
# of N warm cycles) as root. Usage: vr-lxc/bench/runner-bench.sh [cycles]
set -eu
cd "$(dirname "$0")/../.."
./mvnw -B -ntp -q -pl vr-lxc -am -Pbench -DskipTests -DskipITs -Dbench.cycles="${1:-10}" verify
