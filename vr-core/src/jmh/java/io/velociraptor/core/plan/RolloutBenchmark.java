package io.velociraptor.core.plan;

import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.UpdatePolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * Staged planning of {@link PlannerBenchmark}'s fleets: the swarm of 200 changing release at
 * {@code max_parallel: 10%} (10 waves of 20), beside the single-diff planner it reuses
 * ({@code planReleaseChange}, inherited, measured in the same run). Run:
 * {@code ./mvnw -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@bench
 * -Dbench.args="RolloutBenchmark -p hosts=1000"}, i.e. {@code ./vr-core/bench.sh rollout}.
 */
public class RolloutBenchmark extends PlannerBenchmark {
  UpdatePolicy tenPercent;

  @Setup(Level.Trial)
  public void policy() {
    tenPercent = UpdatePolicy.builder().maxParallel(ProcCount.percent(10)).build();
    RolloutPlan r = RolloutPlanner.plan(desired, fleet, policy, tenPercent);
    if (r.waves().size() != 10 || r.waves().stream().anyMatch(w -> w.plan().starts().size() != 20
        || w.plan().stops().size() != 20)) {
      throw new IllegalStateException("benchmark rollout is not 10 waves of +20 -20: " + r.waves().size() + " waves");
    }
  }

  @Benchmark
  public RolloutPlan planRolloutTenPercent() {
    return RolloutPlanner.plan(desired, fleet, policy, tenPercent);
  }
}
