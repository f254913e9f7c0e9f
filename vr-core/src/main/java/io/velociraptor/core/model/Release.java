package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * A build plus the config it runs with: settings, env, volumes, run-as user and memory limits.
 * Its identity is {@link #hash()}, computed from all of these.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableRelease.class)
@JsonDeserialize(as = ImmutableRelease.class)
public interface Release {
  /** The build. */
  Build build();

  /** Merged settings, written to {@code settings.yaml}. */
  @Value.Default
  default Settings settings() {
    return Settings.empty();
  }

  /** Merged env: the build's {@code config_vars}, then each ingredient's, then the swarm's own. */
  @Value.Default
  default Env env() {
    return Env.empty();
  }

  /** Volumes, sorted by container dir. */
  @Value.NaturalOrder
  java.util.SortedSet<Volume> volumes();

  /** The Unix user procs run as. */
  @Value.Default
  default String runAs() {
    return "nobody";
  }

  /** The memory limit. */
  Optional<MemoryLimit> memLimit();

  /** The memory+swap limit. */
  Optional<MemoryLimit> memswLimit();

  /** The release's identity; see {@link ReleaseHashes} for the algorithm. */
  @Value.Derived
  default ReleaseHash hash() {
    return ReleaseHashes.of(build().buildHash(), settings(), env(), List.copyOf(volumes()), runAs(), memLimit(), memswLimit());
  }

  /**
   * Resolves the release a swarm asks for on a build. Precedence, lowest first: env is the
   * build's {@code config_vars}, then each ingredient's env in the swarm's listed order, then the
   * swarm's own; settings are each ingredient's in listed order, then the swarm's own, merged
   * deeply (nested maps merge, other values are replaced).
   *
   * @param swarm the swarm
   * @param build a usable build of the swarm's app and version
   * @return the release
   * @throws InvalidValueException if the build is of another app or version, or has no hash
   */
  static Release of(Swarm swarm, Build build) {
    if (!build.app().equals(swarm.app()) || !build.version().equals(swarm.version())) {
      throw InvalidValueException.of("build", build.app() + "-" + build.version(),
          "is not of swarm " + swarm.name() + " (wants " + swarm.app() + "-" + swarm.version() + ")");
    }
    Env env = build.configVars();
    Settings settings = Settings.empty();
    for (ConfigIngredient ingredient : swarm.ingredients()) {
      env = env.merge(ingredient.env());
      settings = settings.merge(ingredient.settings());
    }
    return ImmutableRelease.builder()
        .build(build)
        .settings(settings.merge(swarm.settings()))
        .env(env.merge(swarm.env()))
        .volumes(swarm.volumes())
        .runAs(swarm.runAs().orElse("nobody"))
        .memLimit(swarm.memLimit())
        .memswLimit(swarm.memswLimit())
        .build();
  }

  /** A new builder for a {@link Release}. */
  static ImmutableRelease.Builder builder() {
    return ImmutableRelease.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableRelease.Builder toBuilder() {
    return ImmutableRelease.builder().from(this);
  }

  /** Checks the user and that mem+swap is not below mem, and that the build has a hash. */
  @Value.Check
  default void check() {
    Checks.user("run-as user", runAs());
    build().buildHash();
    if (memLimit().isPresent() && memswLimit().isPresent() && memswLimit().get().bytes() < memLimit().get().bytes()) {
      throw InvalidValueException.of("memsw limit", memswLimit().get(), "must not be below the memory limit " + memLimit().get());
    }
  }
}
