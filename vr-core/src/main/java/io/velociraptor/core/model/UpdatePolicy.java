package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * How a swarm rolls from what runs to what it should run: in waves of at most
 * {@link #maxParallel()} new procs, never more than size + {@link #maxSurge()} procs, never fewer
 * than {@link #minInService()} in service, optionally starting with {@link #canary()} procs and
 * pausing. The defaults keep vr's first behaviour: every new proc starts at once (one wave), and
 * old procs stop after all of them are uptested and routed. Percents are of the swarm's size,
 * rounded up. The swarm file's {@code update:} block; the rules are in {@code docs/rollouts.md}.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableUpdatePolicy.class)
@JsonDeserialize(as = ImmutableUpdatePolicy.class)
public interface UpdatePolicy {
  /** How many new procs a wave starts at most; default {@code 100%} (one wave). */
  @Value.Default
  default ProcCount maxParallel() {
    return ProcCount.percent(100);
  }

  /**
   * How many procs beyond the size the swarm may run while rolling; none (the default) means no
   * limit: every new proc may start beside every old one.
   */
  Optional<ProcCount> maxSurge();

  /** How many procs stay in service at every point; default {@code 100%} of the size. */
  @Value.Default
  default ProcCount minInService() {
    return ProcCount.percent(100);
  }

  /**
   * How many new procs the first wave starts beside the old ones before the run pauses; 0 for none.
   */
  @Value.Default
  default int canary() {
    return 0;
  }

  /**
   * How long, in seconds, a wave's new procs must stay healthy after their uptests before old procs
   * stop.
   */
  @Value.Default
  default int minHealthySeconds() {
    return 0;
  }

  /** How long, in seconds, an old proc stays out of the pool before it is stopped. */
  @Value.Default
  default int drainSeconds() {
    return 0;
  }

  /** Whether a failed wave re-dispatches the last release that succeeded. */
  @Value.Default
  default boolean autoRevert() {
    return false;
  }

  /**
   * What a failed wave does; by default {@code revert} if {@link #autoRevert()}, else {@code stop}.
   */
  @Value.Default
  default OnFailure onFailure() {
    return autoRevert() ? OnFailure.REVERT : OnFailure.STOP;
  }

  /** Whether this is the default policy (one wave, as a swarm without {@code update} rolls). */
  @JsonIgnore
  default boolean isDefault() {
    return equals(defaults());
  }

  /** The default policy: everything at once, as a swarm without {@code update} rolls. */
  static UpdatePolicy defaults() {
    return ImmutableUpdatePolicy.builder().build();
  }

  /** A new builder, with every field at its default. */
  static ImmutableUpdatePolicy.Builder builder() {
    return ImmutableUpdatePolicy.builder();
  }

  /**
   * The most new procs one wave of a swarm of that size starts.
   *
   * @param size the swarm's size (its target)
   * @return the most new procs one wave starts: {@link #maxParallel()} of {@code size}, at least 1
   */
  default int parallelFor(int size) {
    return Math.max(1, maxParallel().resolve(size));
  }

  /**
   * The most procs a swarm of that size may run while rolling, if {@link #maxSurge()} limits them.
   *
   * @param size the swarm's size (its target)
   * @return the most procs the swarm may run while rolling ({@code size} plus the surge, at least
   *     one more than {@code size}), or empty for no limit
   */
  default Optional<Integer> procLimitFor(int size) {
    return maxSurge().map(s -> size + Math.max(1, s.resolve(size)));
  }

  /**
   * The fewest procs of a swarm of that size that must stay in service while it rolls.
   *
   * @param size the swarm's size (its target)
   * @return the fewest procs that must stay in service: {@link #minInService()} of {@code size},
   *     at most {@code size}
   */
  default int minInServiceFor(int size) {
    return Math.min(size, minInService().resolve(size));
  }

  /**
   * Checks what needs no size: a wave starts at least one proc, a surge lets at least one start,
   * no negative count or time, and {@code auto_revert} agrees with {@code on_failure}. The
   * checks against the swarm's size are {@link #checkFor(int)}, which {@link Swarm} runs.
   *
   * @throws InvalidValueException naming the field ({@code update.max_parallel}...) and its value
   */
  @Value.Check
  default void check() {
    if (maxParallel().value() == 0) {
      throw InvalidValueException.of("update.max_parallel", maxParallel(), "must be at least 1 (or 1%): a wave starts at least one proc");
    }
    if (maxSurge().isPresent() && maxSurge().get().value() == 0) {
      throw InvalidValueException.of("update.max_surge", maxSurge().get(),
          "must be at least 1 (or 1%): vr stops an old proc only after its replacement serves, so a surge of 0 could replace nothing");
    }
    if (canary() < 0) {
      throw InvalidValueException.of("update.canary", canary(), "must not be negative");
    }
    if (canary() > Swarm.MAX_SIZE) {
      throw InvalidValueException.of("update.canary", canary(), "must be at most " + Swarm.MAX_SIZE);
    }
    if (minHealthySeconds() < 0) {
      throw InvalidValueException.of("update.min_healthy_seconds", minHealthySeconds(), "must not be negative");
    }
    if (drainSeconds() < 0) {
      throw InvalidValueException.of("update.drain_seconds", drainSeconds(), "must not be negative");
    }
    if (autoRevert() && onFailure() != OnFailure.REVERT) {
      throw InvalidValueException.of("update.on_failure", onFailure().wire(),
          "contradicts auto_revert: true (which is on_failure: revert); give one of them");
    }
  }

  /**
   * The checks against a size-mode swarm's size: {@code canary} and an absolute
   * {@code min_in_service} at most the size, {@code canary} at most the surge.
   *
   * @param size the swarm's size
   * @throws InvalidValueException naming the field and its value
   */
  default void checkFor(int size) {
    if (canary() > size) {
      throw InvalidValueException.of("update.canary", canary(), "must not exceed the swarm's size " + size);
    }
    if (!minInService().percent() && minInService().value() > size) {
      throw InvalidValueException.of("update.min_in_service", minInService(), "must not exceed the swarm's size "
          + size + " (a percent, such as 100%, follows the size)");
    }
    Optional<Integer> limit = procLimitFor(size);
    if (limit.isPresent() && canary() > limit.get() - size) {
      throw InvalidValueException.of("update.canary", canary(), "must not exceed max_surge " + maxSurge().get()
          + " (" + (limit.get() - size) + " procs of " + size + "): the canaries start beside every old proc");
    }
  }
}
