#!/usr/bin/env bash
# Runs vr-core's command-runner JMH benchmark through the module's `bench` profile (src/jmh/java
# joins the test sources there, so benchmarks can use test-jar fixtures such as SshdFixture).
# Never part of `verify`.
#   vr-core/src/jmh/run.sh                                  # CommandRunnerBenchmark, text table
#   vr-core/src/jmh/run.sh 'CommandRunnerBenchmark.jschReusedSession -rf text -rff /tmp/b.txt'
# The argument is JMH's command line (org.openjdk.jmh.Main).
set -euo pipefail
cd "$(dirname "$0")/../../.."
MVN=${MVN:-./mvnw}
ARGS=${1:-CommandRunnerBenchmark -rf text -rff target/jmh-command-runner.txt}
$MVN -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@bench -Dbench.args="$ARGS"
