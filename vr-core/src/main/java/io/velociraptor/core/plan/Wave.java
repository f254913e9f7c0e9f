package io.velociraptor.core.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * One wave of a rollout: a {@link SwarmPlan} executed as a single diff is (starts, uptests, route
 * adds, route removes, stops), holding only this wave's actions. Its {@link SwarmPlan#keeps()} are
 * the swarm's procs this wave leaves alone: those the whole plan keeps, new procs of earlier waves
 * ({@code CURRENT}) and old procs a later wave stops ({@code AWAITING_REPLACEMENT}). A start's
 * {@code replaces} and a stop's {@code replacedBy} may name a proc of another wave: a canary's old
 * proc stops in the wave after it, and an old proc that is not up stops in the first wave that is
 * not a canary, whenever its replacement starts.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableWave.class)
@JsonDeserialize(as = ImmutableWave.class)
public interface Wave {
  /** The wave's place in the rollout, from 1. */
  int number();

  /** Whether this is the canary wave: the run pauses after it until promoted or reverted. */
  boolean canary();

  /** The swarm's procs at the wave's peak, after its starts and before its stops. */
  int peakProcs();

  /**
   * The swarm's procs in service after the wave (the fewest during it: adds come before removes).
   */
  int inService();

  /**
   * Per host the wave starts or stops procs on, the ports of its range held at the peak, sorted by
   * host.
   */
  List<HostPorts> peakPorts();

  /** The wave's diff. */
  SwarmPlan plan();

  /**
   * The host whose range is fullest at the wave's peak (most used, then by name), if the wave
   * touches one.
   */
  @JsonIgnore
  default Optional<HostPorts> fullestHost() {
    HostPorts best = null;
    for (HostPorts h : peakPorts()) {
      if (best == null || h.used() > best.used()) {
        best = h;
      }
    }
    return Optional.ofNullable(best);
  }

  /** A new builder. */
  static ImmutableWave.Builder builder() {
    return ImmutableWave.builder();
  }
}
