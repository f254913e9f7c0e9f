package io.velociraptor.core.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.velociraptor.core.model.UpdatePolicy;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * A staged plan: the swarm's whole diff ({@link #plan()}, where the rollout ends) cut into ordered
 * {@link #waves()} by an {@link UpdatePolicy}. Executing the waves in order leads to the state the
 * single diff leads to. A no-op has no wave; the default policy gives one wave equal to
 * {@link #plan()}. Its JSON form (snake_case) is {@code VrJson.writeJson(rollout)} /
 * {@code VrJson.readJson(text, RolloutPlan.class)}. The rules are in {@code docs/rollouts.md}.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableRolloutPlan.class)
@JsonDeserialize(as = ImmutableRolloutPlan.class)
public interface RolloutPlan {
  /** The whole diff, as {@link Planner#plan} gives it. */
  SwarmPlan plan();

  /** The policy the waves follow. */
  UpdatePolicy update();

  /** The most new procs a wave starts (max_parallel resolved against the target). */
  int maxParallel();

  /** The most procs of the swarm while it rolls (target plus max_surge), empty for no limit. */
  Optional<Integer> maxProcs();

  /**
   * The fewest procs in service at any point: min_in_service resolved, at most what served before.
   */
  int minInService();

  /** The swarm's procs on reachable hosts before the rollout. */
  int procsBefore();

  /** The swarm's procs in service before the rollout. */
  int inServiceBefore();

  /** The waves, in order. */
  List<Wave> waves();

  /** Whether the rollout changes nothing (no wave). */
  @JsonIgnore
  default boolean isNoop() {
    return waves().isEmpty();
  }

  /**
   * The whole plan's exit code: {@link SwarmPlan#EXIT_NO_CHANGE} or {@link SwarmPlan#EXIT_CHANGES}.
   */
  @JsonIgnore
  default int exitCode() {
    return plan().exitCode();
  }

  /** Whether the first wave is a canary wave, after which the run pauses. */
  @JsonIgnore
  default boolean hasCanary() {
    return !waves().isEmpty() && waves().get(0).canary();
  }

  /**
   * The rollout for people, {@code nomad job plan} style ({@code wave 1/4: +2 -0, in service 6,
   * ...}); a rollout of one wave without canary renders exactly as its plan does.
   */
  default String render() {
    return RolloutRenderer.render(this);
  }

  /** A new builder (for tests and tools; the planner builds its own). */
  static ImmutableRolloutPlan.Builder builder() {
    return ImmutableRolloutPlan.builder();
  }
}
