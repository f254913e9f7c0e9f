package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.Optional;
import org.immutables.value.Value;

/** A buildpack location: a git URL (or local directory) and an optional ref to check out. */
@Value.Immutable
@JsonSerialize(as = ImmutableBuildpack.class)
@JsonDeserialize(as = ImmutableBuildpack.class)
public interface Buildpack {
  /** The git URL or local directory. */
  String url();

  /** The tag, branch or commit to check out; empty means the default branch. */
  Optional<String> ref();

  /**
   * Parses a buildpack location: a git URL or local directory, optionally followed by {@code #ref}.
   *
   * @param location {@code url} or {@code url#ref}, as the original's buildpack URLs
   * @return the buildpack
   * @throws InvalidValueException if the location or ref is empty or has control characters
   */
  static Buildpack parse(String location) {
    Names.requireText("buildpack", location);
    int hash = location.lastIndexOf('#');
    if (hash < 0) {
      return ImmutableBuildpack.builder().url(location).build();
    }
    return ImmutableBuildpack.builder().url(location.substring(0, hash)).ref(location.substring(hash + 1)).build();
  }

  /** Returns {@code url} or {@code url#ref}. */
  default String format() {
    return ref().map(r -> url() + "#" + r).orElse(url());
  }

  /** Rejects empty and control-character values. */
  @Value.Check
  default void check() {
    Checks.text("buildpack url", url());
    ref().ifPresent(r -> Checks.text("buildpack ref", r));
  }
}
