#!/bin/sh
# The dispatch benchmark: 10 and 60 procs over 3 real hosts, a 60-proc swap and delete, each
# against the floor measured in the same run (the procs started by hand in parallel), with a
# per-step breakdown; then how much of a first dispatch is waiting on hosts versus vr's own work,
# and no-op re-dispatches (one observation plus one plan).
# Needs root (procs run as nobody), supervisor, openssh-server, nginx-light, git (.ci/run).
# Usage: vr-examples/bench/dispatch-bench.sh [no-op runs, default 30] [file|postgres, default file]
# (postgres: a JdbcStore on a private PostgreSQL cluster the benchmark starts; needs postgresql)
# VR_BENCH_PER_HOST=N dispatches with that per-host parallelism instead of the default.
set -eu
cd "$(dirname "$0")/../.."
./mvnw -B -ntp -q -pl vr-examples -am -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cd vr-examples # the example buildpacks and apps are found relative to the module
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
exec java ${VR_BENCH_PER_HOST:+-Dvr.bench.perHost=$VR_BENCH_PER_HOST} -cp "$cp" io.velociraptor.examples.e2e.DispatchBenchmark "${1:-30}" "${2:-file}"
