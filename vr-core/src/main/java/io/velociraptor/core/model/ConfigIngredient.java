package io.velociraptor.core.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.immutables.value.Value;

/** A named, reusable piece of config (settings and env) that swarms list in order. */
@Value.Immutable
@JsonSerialize(as = ImmutableConfigIngredient.class)
@JsonDeserialize(as = ImmutableConfigIngredient.class)
public interface ConfigIngredient {
  /** @return the ingredient's name */
  IngredientName name();

  /** @return its settings */
  @Value.Default
  default Settings settings() {
    return Settings.empty();
  }

  /** @return its env */
  @Value.Default
  default Env env() {
    return Env.empty();
  }

  /** @return a builder */
  static ImmutableConfigIngredient.Builder builder() {
    return ImmutableConfigIngredient.builder();
  }
}
