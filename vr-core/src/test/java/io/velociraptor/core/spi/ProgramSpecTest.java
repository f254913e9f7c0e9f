package io.velociraptor.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.InvalidValueException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgramSpecTest {
  @Test
  void anEnvironmentValueLongerThanTheKernelTakesIsRefusedNamingTheVariableAndTheLimit() {
    ProgramSpec.Builder b = ProgramSpec.builder().name("web").argv("/bin/true");
    assertThat(b.environment(Map.of("BIG", "a".repeat(131067))).build().environment().get("BIG")).hasSize(131067);
    assertThatThrownBy(() -> b.environment(Map.of("BIG", "a".repeat(131068))).build())
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("environment variable BIG of program web").hasMessageContaining("131072");
  }
}
