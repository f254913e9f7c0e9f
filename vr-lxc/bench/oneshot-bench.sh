#!/bin/sh
# Runs io.velociraptor.lxc.OneShotBenchmark (ContainerRuntime.runOneShot of /bin/true through each
# runtime, median of N runs after warm-up) as root. Usage: vr-lxc/bench/oneshot-bench.sh [runs]
set -eu
cd "$(dirname "$0")/../.."
./mvnw -B -ntp -q -pl vr-lxc -am -Pbench -DskipTests -DskipITs \
  -Dbench.main=io.velociraptor.lxc.OneShotBenchmark -Dbench.cycles="${1:-50}" verify
