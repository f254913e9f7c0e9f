package io.velociraptor.buildpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseInfoTest {

  @Test
  void readsConfigVarsDefaultProcessTypesAndAddons() {
    ReleaseInfo r = ReleaseInfo.parse("---\naddons:\n  - redis\n  - postgres\nconfig_vars:\n"
        + "  PATH: /app/bin:/usr/bin\n  WORKERS: 4\ndefault_process_types:\n"
        + "  web: bin/run --port $PORT\nunknown_key: ignored\n", "bp");
    assertThat(r.configVars()).containsExactly(Map.entry("PATH", "/app/bin:/usr/bin"),
        Map.entry("WORKERS", "4"));
    assertThat(r.defaultProcessTypes()).containsExactly(Map.entry("web", "bin/run --port $PORT"));
    assertThat(r.addons()).containsExactly("postgres", "redis");
  }

  @Test
  void emptyOutputAndAnEmptyMappingMeanNothing() {
    assertThat(ReleaseInfo.parse("", "bp")).isEqualTo(ReleaseInfo.EMPTY);
    assertThat(ReleaseInfo.parse("--- {}\n", "bp")).isEqualTo(ReleaseInfo.EMPTY);
    assertThat(ReleaseInfo.parse("---\n", "bp")).isEqualTo(ReleaseInfo.EMPTY);
  }

  @Test
  void rejectsOutputThatIsNotAMappingNamingTheBuildpack() {
    assertThatThrownBy(() -> ReleaseInfo.parse("- a\n- b\n", "https://example.test/bp.git"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("bin/release output of https://example.test/bp.git")
        .hasMessageContaining("mapping");
  }

  @Test
  void rejectsMalformedYaml() {
    assertThatThrownBy(() -> ReleaseInfo.parse("config_vars: [unclosed\n", "bp"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("not YAML");
  }

  @Test
  void rejectsAProcessTypeNameAProcfileWouldRefuse() {
    assertThatThrownBy(() -> ReleaseInfo.parse("default_process_types:\n  bad-name: x\n", "bp"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("'bad-name'");
  }

  @Test
  void rejectsAddonsThatAreNotOneLineNames() {
    // each input, and the bad value its message must name
    Map<String, String> cases = Map.of("addons: [\"\"]\n", "got '\"\"'", "addons: [~]\n", "got 'null'",
        "addons:\n  - {a: b}\n", "{\"a\":\"b\"}", "addons: [\"a\\nb\"]\n", "a\\nb",
        "addons: redis\n", "redis");
    cases.forEach((bad, named) ->
        assertThatThrownBy(() -> ReleaseInfo.parse(bad, "bp")).as(bad)
            .isInstanceOf(InvalidBuildInputException.class)
            .hasMessageContaining("bin/release output of bp")
            .hasMessageContaining("addon")
            .hasMessageContaining(named));
  }

  @Test
  void rejectsNestedConfigVarValues() {
    assertThatThrownBy(() -> ReleaseInfo.parse("config_vars:\n  A:\n    b: c\n", "bp"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("'A'");
  }
}
