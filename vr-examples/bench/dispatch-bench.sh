#!/bin/sh
# The dispatch benchmark: a first dispatch of 10 procs over 3 real hosts (how much is waiting on
# hosts versus vr's own work) and no-op re-dispatches (one observation plus one plan).
# Needs root (procs run as nobody), supervisor, openssh-server, nginx-light, git (.ci/run).
# Usage: vr-examples/bench/dispatch-bench.sh [no-op runs, default 30] [file|postgres, default file]
# (postgres: a JdbcStore on a private PostgreSQL cluster the benchmark starts; needs postgresql)
set -eu
cd "$(dirname "$0")/../.."
./mvnw -B -ntp -q -pl vr-examples -am -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cd vr-examples # the example buildpacks and apps are found relative to the module
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
exec java -cp "$cp" io.velociraptor.examples.e2e.DispatchBenchmark "${1:-30}" "${2:-file}"
