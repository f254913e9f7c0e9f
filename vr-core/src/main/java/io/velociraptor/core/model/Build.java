package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeMap;
import org.immutables.value.Value;

/**
 * A build of an app at a version: the build result. Holds where the tarball and its compile log
 * are, the tarball's hashes, the buildpacks that compiled it and the names they gave, the process
 * types from the app's Procfile and from the buildpack's release step, and the release step's
 * {@code config_vars} and {@code addons}. Fields added after the first release default to empty,
 * so build results written before them still read.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableBuild.class)
@JsonDeserialize(as = ImmutableBuild.class)
public interface Build {
  /** The app built. */
  AppName app();

  /** The version built (tag, branch or commit as asked). */
  Version version();

  /** The build's state. */
  @Value.Default
  default BuildStatus status() {
    return BuildStatus.PENDING;
  }

  /** The resolved commit of the source, when it came from git. */
  Optional<String> commit();

  /** The buildpacks that compiled it, in the order they ran. */
  List<Buildpack> buildpacks();

  /**
   * Returns the name each buildpack gave, in the order of {@link #buildpacks()}: the first line its
   * {@code bin/detect} printed, else the last segment of its URL; empty in build results written
   * before names were recorded.
   *
   * @return the name each buildpack gave, in the order of {@link #buildpacks()}: the first line
   *     its {@code bin/detect} printed, else the last segment of its URL; empty in build results
   *     written before names were recorded
   */
  List<String> buildpackNames();

  /** Where the tarball is (artifact store location, path or URL). */
  Optional<String> artifact();

  /**
   * Returns where the compile log is stored (artifact store location, path or URL), saved with the
   * tarball.
   *
   * @return where the compile log is stored (artifact store location, path or URL), saved with
   *     the tarball
   */
  Optional<String> compileLog();

  /** The tarball's md5, lowercase hex. */
  Optional<String> md5();

  /** The tarball's sha256, lowercase hex. */
  Optional<String> sha256();

  /** The tarball's size in bytes. */
  OptionalLong sizeBytes();

  /** Process types from the app's Procfile. */
  Map<String, String> procfileTypes();

  /** Returns {@code default_process_types} from the buildpack's release step. */
  Map<String, String> releaseProcessTypes();

  /** Returns {@code config_vars} from the buildpack's release step. */
  @Value.Default
  default Env configVars() {
    return Env.empty();
  }

  /**
   * Returns the {@code addons} the buildpacks' release steps asked for, sorted; vr provisions none,
   * it records them.
   *
   * @return the {@code addons} the buildpacks' release steps asked for, sorted; vr provisions
   *     none, it records them
   */
  @Value.NaturalOrder
  SortedSet<String> addons();

  /** When the build started. */
  Optional<Instant> startedAt();

  /** When the build finished. */
  Optional<Instant> finishedAt();

  /** The process types the app runs: the buildpack's defaults overridden by the Procfile. */
  default Map<String, String> processTypes() {
    TreeMap<String, String> out = new TreeMap<>(releaseProcessTypes());
    out.putAll(procfileTypes());
    return out;
  }

  /**
   * Returns the hash that identifies the tarball in release hashes: sha256, else md5.
   *
   * @return the hash that identifies the tarball in release hashes: sha256, else md5
   * @throws InvalidValueException if the build has neither (it has not succeeded)
   */
  default String buildHash() {
    return sha256().or(this::md5).orElseThrow(() -> InvalidValueException.of(
        "build", app() + "-" + version(), "has no tarball hash yet; only a successful build can be released"));
  }

  /** Whether the build can be deployed. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  default boolean isUsable() {
    return status() == BuildStatus.SUCCESS && artifact().isPresent() && (sha256().isPresent() || md5().isPresent());
  }

  /** A new builder for a {@link Build}. */
  static ImmutableBuild.Builder builder() {
    return ImmutableBuild.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableBuild.Builder toBuilder() {
    return ImmutableBuild.builder().from(this);
  }

  /** Checks hashes, sizes, texts, process type names and that names match buildpacks. */
  @Value.Check
  default void check() {
    md5().ifPresent(h -> Checks.hex("build md5", h, 32));
    sha256().ifPresent(h -> Checks.hex("build sha256", h, 64));
    commit().ifPresent(c -> Checks.text("build commit", c));
    artifact().ifPresent(a -> Checks.text("build artifact", a));
    compileLog().ifPresent(l -> Checks.text("build compile log", l));
    if (!buildpackNames().isEmpty() && buildpackNames().size() != buildpacks().size()) {
      throw InvalidValueException.of("build buildpack names", buildpackNames(),
          "must name each of the " + buildpacks().size() + " buildpacks, in their order");
    }
    buildpackNames().forEach(n -> Checks.text("build buildpack name", n));
    addons().forEach(a -> Checks.text("build addon", a));
    sizeBytes().ifPresent(s -> Checks.nonNegative("build size", s));
    for (String type : procfileTypes().keySet()) {
      ProcTypeName.of(type);
    }
    for (String type : releaseProcessTypes().keySet()) {
      ProcTypeName.of(type);
    }
  }
}
