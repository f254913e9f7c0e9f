#!/usr/bin/env bash
# Runs the fleet-snapshot benchmark (issue 4): 20 private supervisords x 50 programs.
# Not part of the test run. Usage: vr-supervisor/bench.sh [-Dbench.rounds=30 ...]
set -euo pipefail
cd "$(dirname "$0")/.."
MVN=${MVN:-./mvnw}
# one reactor run, so vr-core resolves to its target/ directories (nothing is installed)
$MVN -B -ntp -q -pl vr-supervisor -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
CP="vr-supervisor/target/test-classes:vr-supervisor/target/classes:vr-core/target/classes:vr-core/target/test-classes:$(cat vr-supervisor/target/bench.classpath)"
exec java "$@" -cp "$CP" io.velociraptor.supervisor.bench.FleetSnapshotBenchmark
