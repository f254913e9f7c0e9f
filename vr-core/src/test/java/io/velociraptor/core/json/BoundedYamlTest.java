package io.velociraptor.core.json;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.Swarm;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BoundedYamlTest {
  @Test
  void refusesABillionLaughsAliasBomb() {
    StringBuilder yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
      yaml.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      yaml.append("]\n");
    }
    assertThatThrownBy(() -> VrJson.readYaml(yaml.toString(), Map.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("aliases are not supported").hasMessageContaining("*a0");
  }

  @Test
  void refusesEvenASingleAliasRatherThanReadingItAsText() {
    assertThatThrownBy(() -> VrJson.readYaml("a: &x {k: 1}\nb: *x\n", Map.class))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("*x at line 2");
  }

  @Test
  void readsAsteriskInsideQuotedTextAsText() {
    Map<?, ?> read = VrJson.readYaml("a: '*x'\nb: \"2*3\"\n", Map.class);
    org.assertj.core.api.Assertions.assertThat(read.get("a")).isEqualTo("*x");
    org.assertj.core.api.Assertions.assertThat(read.get("b")).isEqualTo("2*3");
  }

  @Test
  void refusesADocumentOverTheSizeLimitNamingTheLimit() {
    String huge = "k: " + "x".repeat(VrJson.MAX_DOCUMENT_CHARS) + "\n";
    assertThatThrownBy(() -> VrJson.readYaml(huge, Map.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(String.valueOf(VrJson.MAX_DOCUMENT_CHARS));
  }

  @Test
  void refusesNestingDeeperThanTheLimit() {
    String deep = "[".repeat(VrJson.MAX_NESTING + 10) + "]".repeat(VrJson.MAX_NESTING + 10);
    assertThatThrownBy(() -> VrJson.readYaml(deep, Object.class)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> VrJson.readJson(deep, Object.class)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void refusesMalformedYamlWithTheTypeInTheMessage() {
    assertThatThrownBy(() -> VrJson.readYaml("id: [unclosed", Swarm.class))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("Swarm");
  }

  @Test
  void refusesAnEmptyDocument() {
    assertThatThrownBy(() -> VrJson.readYaml("", Swarm.class)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Swarm");
  }

  @Test
  void namesTheNestedPathOfABadValue() {
    String yaml = "id: abcdefgh\napp: a\nproc_type: web\nconfig: c\nsquad: s\nversion: v\nvolumes:\n  - [/ok, /ok]\n  - [relative, /x]\n";
    assertThatThrownBy(() -> VrJson.readYaml(yaml, Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("volumes[1]")
        .hasMessageContaining("\"relative\"");
  }
}
