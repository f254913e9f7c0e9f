package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.immutables.value.Value;

/** A named, reusable piece of config (settings and env) that swarms list in order. */
@Value.Immutable
@JsonSerialize(as = ImmutableConfigIngredient.class)
@JsonDeserialize(as = ImmutableConfigIngredient.class)
public interface ConfigIngredient {
  /** The ingredient's name. */
  IngredientName name();

  /** Its settings. */
  @Value.Default
  default Settings settings() {
    return Settings.empty();
  }

  /** Its env. */
  @Value.Default
  default Env env() {
    return Env.empty();
  }

  /** A new builder for a {@link ConfigIngredient}. */
  static ImmutableConfigIngredient.Builder builder() {
    return ImmutableConfigIngredient.builder();
  }
}
