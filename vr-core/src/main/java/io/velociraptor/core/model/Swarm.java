package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.immutables.value.Value;

/**
 * "Run {@code size} procs of proc type P of app A at version V with config C on squad S, routed
 * into pool X of balancer B." Or, with {@link #onePerHost()}, one proc on every reachable active
 * host of the squad. {@link #id()} is stable across every edit, including renames.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableSwarm.class)
@JsonDeserialize(as = ImmutableSwarm.class)
public interface Swarm {
  /** Upper bound on {@link #uptestIntervalSeconds()}: a day. */
  int MAX_UPTEST_INTERVAL_SECONDS = 86_400;

  /** Upper bound on {@link #size()}: beyond it a typo is likelier than intent. */
  int MAX_SIZE = 10_000;

  /**
   * The longest program name a swarm may make: the runner names each proc's directory (and
   * container) after it, and allows 200 characters, well inside a file name's 255 bytes.
   */
  int MAX_PROGRAM_NAME = 200;

  /** A program name's fixed part: a 12-character release hash, a 5-digit port, the 8-character id, 6 dashes. */
  int PROGRAM_NAME_FIXED = 12 + 5 + 8 + 6;

  /** The stable id. */
  SwarmId id();

  /** The app whose procs it runs. */
  AppName app();

  /** The proc type to run. */
  ProcTypeName procType();

  /** The config name. */
  ConfigName config();

  /** The squad its procs run on. */
  SquadName squad();

  /** How many procs; ignored when {@link #onePerHost()}. */
  @Value.Default
  default int size() {
    return 1;
  }

  /** Whether to run exactly one proc on every reachable active host of the squad. */
  @Value.Default
  default boolean onePerHost() {
    return false;
  }

  /** The version to build and run. */
  Version version();

  /** Config ingredients, applied in this order. */
  List<ConfigIngredient> ingredients();

  /** The swarm's own settings, applied last. */
  @Value.Default
  default Settings settings() {
    return Settings.empty();
  }

  /** The swarm's own env, applied last. */
  @Value.Default
  default Env env() {
    return Env.empty();
  }

  /** The host directories bound into each of its procs' containers. */
  List<Volume> volumes();

  /** The Unix user procs run as; the release defaults it to {@code nobody}. */
  Optional<String> runAs();

  /** The memory limit. */
  Optional<MemoryLimit> memLimit();

  /** The memory+swap limit. */
  Optional<MemoryLimit> memswLimit();

  /** The pool its procs are routed into; none means never routed. */
  Optional<PoolName> pool();

  /** The balancer that holds {@link #pool()}. */
  Optional<BalancerName> balancer();

  /**
   * How the swarm rolls to a new release, size or config; none means the default policy (every
   * new proc at once), and keeps the swarm's wire form as it was before policies.
   *
   * @return the update policy, if the swarm has one
   */
  Optional<UpdatePolicy> update();

  /**
   * How often, in seconds, a reconciler uptests the swarm's running, routed procs; none means the
   * reconciler's own interval (60 s by default). The swarm file's {@code uptest_interval_seconds}.
   *
   * @return the swarm's periodic uptest interval in seconds, if it sets one
   */
  Optional<Integer> uptestIntervalSeconds();

  /** The swarm's {@link #update()} policy, or the default policy when it has none. */
  default UpdatePolicy updatePolicy() {
    return update().orElseGet(UpdatePolicy::defaults);
  }

  /** The name people use, {@code app-config-proc}. */
  default String name() {
    return app() + "-" + config() + "-" + procType();
  }

  /** A new builder for a {@link Swarm}. */
  static ImmutableSwarm.Builder builder() {
    return ImmutableSwarm.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableSwarm.Builder toBuilder() {
    return ImmutableSwarm.builder().from(this);
  }

  /**
   * Returns this swarm with that size.
   *
   * @param size the new size
   * @return this swarm with that size
   */
  default Swarm withSize(int size) {
    return toBuilder().size(size).build();
  }

  /**
   * Returns this swarm at that version.
   *
   * @param version the new version
   * @return this swarm at that version
   */
  default Swarm withVersion(Version version) {
    return toBuilder().version(version).build();
  }

  /**
   * Checks size, pool/balancer pairing, user, distinct ingredients and volume targets, the uptest
   * interval, and the update policy against the size.
   */
  @Value.Check
  default void check() {
    if (size() < 0 || size() > MAX_SIZE) {
      throw InvalidValueException.of("swarm size", size(), "must be between 0 and " + MAX_SIZE);
    }
    if (pool().isPresent() && balancer().isEmpty()) {
      throw InvalidValueException.of("swarm pool", pool().get(), "a swarm that names a pool must name its balancer");
    }
    int programName = app().value().length() + version().nameForm().length() + config().value().length()
        + procType().value().length() + PROGRAM_NAME_FIXED;
    if (programName > MAX_PROGRAM_NAME) {
      // refused here, not when the runner first names a directory after the program mid-dispatch
      throw InvalidValueException.of("swarm", app() + " " + version() + " " + config() + " " + procType(),
          "makes program names of up to " + programName + " characters (app " + app().value().length()
              + " + version " + version().nameForm().length() + " + config " + config().value().length()
              + " + proc " + procType().value().length() + " + " + PROGRAM_NAME_FIXED + "), over the "
              + MAX_PROGRAM_NAME + " a proc directory allows: shorten the version, app, config or proc name");
    }
    runAs().ifPresent(u -> Checks.user("run-as user", u));
    Set<IngredientName> seen = new HashSet<>();
    for (ConfigIngredient i : ingredients()) {
      if (!seen.add(i.name())) {
        throw InvalidValueException.of("config ingredient", i.name(), "is listed twice");
      }
    }
    Set<String> targets = new HashSet<>();
    for (Volume v : volumes()) {
      if (!targets.add(v.containerDir())) {
        throw InvalidValueException.of("volume container dir", v.containerDir(), "is mounted twice");
      }
    }
    if (memLimit().isPresent() && memswLimit().isPresent() && memswLimit().get().bytes() < memLimit().get().bytes()) {
      throw InvalidValueException.of("memsw limit", memswLimit().get(), "must not be below the memory limit " + memLimit().get());
    }
    if (uptestIntervalSeconds().isPresent()
        && (uptestIntervalSeconds().get() < 1 || uptestIntervalSeconds().get() > MAX_UPTEST_INTERVAL_SECONDS)) {
      throw InvalidValueException.of("uptest_interval_seconds", uptestIntervalSeconds().get(),
          "must be a whole number of seconds between 1 and " + MAX_UPTEST_INTERVAL_SECONDS + " (a day)");
    }
    if (update().isPresent() && !onePerHost()) {
      // a one-per-host swarm's size is its number of hosts, known only when planning
      update().get().checkFor(size());
    }
  }
}
