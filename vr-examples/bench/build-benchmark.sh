#!/bin/sh
# Build benchmark: a vr build of the Java example app versus the same buildpack scripts plus
# 'tar czf' run by hand, cold and warm cache. Usage: vr-examples/bench/build-benchmark.sh [iterations]
# Run from the repository root, as root (scripts then run as the build user 'vrbuild').
set -eu
cd "$(dirname "$0")/../.."
./mvnw -B -ntp -q -pl vr-examples -am package dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -DskipTests
exec java -cp "vr-examples/target/classes:$(cat vr-examples/target/bench-classpath.txt)" \
  io.velociraptor.examples.BuildBenchmark "${1:-20}" vr-examples/src/main/resources/examples
