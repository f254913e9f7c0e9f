package io.velociraptor.core.spi;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.model.VrStyle;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * What to build: an app (its source, buildpacks and build-time env) at a version, with the
 * buildpack selection and the time limits of the buildpack scripts. Serializes as the build yaml
 * (snake_case).
 */
@Value.Immutable
@VrStyle
@JsonSerialize(as = ImmutableBuildRequest.class)
@JsonDeserialize(as = ImmutableBuildRequest.class)
public interface BuildRequest {

  /** How the buildpacks of a request are used. */
  enum Selection {
    /** Run each buildpack's {@code bin/detect} in order; the first that accepts the app builds it. */
    DETECT,
    /**
     * Every buildpack compiles the app, in order (one buildpack: an explicit choice; several: a
     * multi-buildpack build). The last one's release gives the default process types.
     */
    ALL_IN_ORDER
  }

  /** The app: its source ({@code repo_url}, {@code repo_type}), buildpacks, build env. */
  App app();

  /** The version to build: a tag, branch or commit of a git source; a label otherwise. */
  Version version();

  /**
   * Returns the commit to check out instead of resolving {@link #version()}; set when a build
   * result is fed back, so the rebuild uses the same source.
   *
   * @return the commit to check out instead of resolving {@link #version()}; set when a build
   *     result is fed back, so the rebuild uses the same source
   */
  Optional<String> commit();

  /** Buildpacks to use instead of the app's (and the backend's defaults). */
  List<Buildpack> buildpacks();

  /** How the buildpacks are used. */
  @Value.Default
  default Selection selection() {
    return Selection.DETECT;
  }

  /** The time limit of each {@code bin/compile} (ISO-8601 on the wire: PT15M). */
  @JsonFormat(shape = JsonFormat.Shape.STRING)
  @Value.Default
  default Duration compileTimeout() {
    return Duration.ofMinutes(15);
  }

  /** The time limit of each {@code bin/detect} and {@code bin/release}. */
  @JsonFormat(shape = JsonFormat.Shape.STRING)
  @Value.Default
  default Duration scriptTimeout() {
    return Duration.ofMinutes(1);
  }

  /**
   * A request to build an app at a version with its own buildpacks, detecting.
   *
   * @param app the app
   * @param version the version
   * @return the request
   */
  static BuildRequest of(App app, Version version) {
    return builder().app(app).version(version).build();
  }

  /**
   * The request that rebuilds a build result: the same version at the same commit, with exactly
   * the buildpacks (pinned to their commits) that compiled it, in the same order.
   *
   * @param app the app the build belongs to (its source and build env)
   * @param result a build result
   * @return the request
   * @throws InvalidValueException if the result is of another app or names no buildpack
   */
  static BuildRequest rebuild(App app, Build result) {
    if (!result.app().equals(app.name())) {
      throw InvalidValueException.of("build result app", result.app(),
          "does not belong to app " + app.name());
    }
    if (result.buildpacks().isEmpty()) {
      throw InvalidValueException.of("build result buildpacks", "[]",
          "a build result must name the buildpacks that compiled it to be rebuilt");
    }
    return builder().app(app).version(result.version()).commit(result.commit())
        .buildpacks(result.buildpacks()).selection(Selection.ALL_IN_ORDER).build();
  }

  /** A new builder for a {@link BuildRequest}. */
  static ImmutableBuildRequest.Builder builder() {
    return ImmutableBuildRequest.builder();
  }

  /** Rejects non-positive time limits and a malformed commit. */
  @Value.Check
  default void check() {
    if (compileTimeout().isNegative() || compileTimeout().isZero()) {
      throw InvalidValueException.of("compile timeout", compileTimeout(), "must be positive");
    }
    if (scriptTimeout().isNegative() || scriptTimeout().isZero()) {
      throw InvalidValueException.of("script timeout", scriptTimeout(), "must be positive");
    }
    commit().ifPresent(c -> {
      if (!c.matches("[0-9a-f]{4,64}")) {
        throw InvalidValueException.of("commit", c, "must be a lowercase hex commit id");
      }
    });
  }
}
