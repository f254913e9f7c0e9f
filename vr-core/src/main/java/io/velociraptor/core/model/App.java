package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/** An app: where its source lives and which buildpacks build it. */
@Value.Immutable
@JsonSerialize(as = ImmutableApp.class)
@JsonDeserialize(as = ImmutableApp.class)
public interface App {
  /** Where an app's source comes from. */
  enum RepoType {
    /** A git repository URL (any URL git accepts, including local paths). */
    GIT,
    /** A directory on the build machine. */
    LOCAL
  }

  /** The app's name. */
  AppName name();

  /** The repository URL or directory; empty for apps built only from given directories. */
  Optional<String> repoUrl();

  /** How to read {@link #repoUrl()}. */
  @Value.Default
  default RepoType repoType() {
    return RepoType.GIT;
  }

  /** Buildpacks to detect from, in order; empty means the build backend's defaults. */
  List<Buildpack> buildpacks();

  /** The OS stack (image family) the app runs on, if any. */
  Optional<String> stack();

  /** Build-time env, handed to {@code bin/compile} as ENV_DIR files. */
  @Value.Default
  default Env buildEnv() {
    return Env.empty();
  }

  /** A new builder for an {@link App}. */
  static ImmutableApp.Builder builder() {
    return ImmutableApp.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableApp.Builder toBuilder() {
    return ImmutableApp.builder().from(this);
  }

  /** Rejects control characters in the repo URL and stack. */
  @Value.Check
  default void check() {
    repoUrl().ifPresent(u -> Checks.text("app repo url", u));
    stack().ifPresent(s -> Checks.text("app stack", s));
  }
}
