#!/usr/bin/env bash
# Runs vr-core's JMH benchmarks (the `bench` profile adds src/jmh/java as test sources, so
# benchmarks can use the test-jar fixtures such as SshdFixture). Never part of `verify`.
#   vr-core/src/jmh/run.sh                      # all benchmarks
#   vr-core/src/jmh/run.sh CommandRunnerBenchmark.jschReusedSession -f 1
# Extra arguments go to JMH (org.openjdk.jmh.Main).
set -euo pipefail
cd "$(dirname "$0")/../../.."
MVN=${MVN:-./mvnw}
$MVN -B -ntp -q -Pbench -pl vr-core -am test-compile -DskipTests
CP_FILE=$(mktemp)
trap 'rm -f "$CP_FILE"' EXIT
$MVN -B -ntp -q -Pbench -pl vr-core dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$CP_FILE"
exec java -cp "vr-core/target/test-classes:vr-core/target/classes:$(cat "$CP_FILE")" \
  org.openjdk.jmh.Main "${@:-CommandRunnerBenchmark}"
