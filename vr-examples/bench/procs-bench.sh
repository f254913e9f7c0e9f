#!/bin/sh
# The `vr procs` benchmark: wall time, JVM start included, over 3 private supervisords holding 67
# programs, with ./vr's class-data archive, without it, and as a bare `java -jar`.
# Needs supervisor (.ci/run installs it). Usage: vr-examples/bench/procs-bench.sh [runs, default 10]
set -eu
cd "$(dirname "$0")/../.."
./mvnw -B -ntp -q -pl vr-examples -am -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip package \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cd vr-examples
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
exec java -cp "$cp" io.velociraptor.examples.cli.ProcsBenchmark "${1:-10}"
