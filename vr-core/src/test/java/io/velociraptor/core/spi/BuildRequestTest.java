package io.velociraptor.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Version;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildRequestTest {

  private static final App APP = App.builder().name(AppName.of("shop"))
      .repoUrl("https://git.example.test/shop.git")
      .addBuildpacks(Buildpack.parse("https://git.example.test/bp-java.git#v3"))
      .buildEnv(Env.of(Map.of("MAVEN_OPTS", "-Xmx1g"))).build();

  @Test
  void isTheSnakeCaseBuildYamlAndReadsBackEqual() {
    BuildRequest r = BuildRequest.builder().app(APP).version(Version.of("9.0"))
        .selection(BuildRequest.Selection.ALL_IN_ORDER).compileTimeout(Duration.ofMinutes(5))
        .build();
    String yaml = VrJson.writeYaml(r);
    assertThat(yaml).contains("repo_url:", "build_env:", "compile_timeout: PT5M",
        "script_timeout: PT1M", "selection: ALL_IN_ORDER", "version: \"9.0\"");
    assertThat(VrJson.readYaml(yaml, BuildRequest.class)).isEqualTo(r);
  }

  @Test
  void defaultsToDetectingWithFifteenMinutesToCompile() {
    BuildRequest r = BuildRequest.of(APP, Version.of("v1"));
    assertThat(r.selection()).isEqualTo(BuildRequest.Selection.DETECT);
    assertThat(r.compileTimeout()).isEqualTo(Duration.ofMinutes(15));
    assertThat(r.commit()).isEmpty();
  }

  @Test
  void rebuildPinsTheCommitAndTheBuildpacksThatCompiledTheResult() {
    Build result = Build.builder().app(AppName.of("shop")).version(Version.of("v1"))
        .status(BuildStatus.SUCCESS).commit("0123456789abcdef0123456789abcdef01234567")
        .addBuildpacks(Buildpack.parse("https://git.example.test/bp-java.git#"
            + "89abcdef0123456789abcdef0123456789abcdef"))
        .build();
    BuildRequest r = BuildRequest.rebuild(APP, result);
    assertThat(r.version()).isEqualTo(Version.of("v1"));
    assertThat(r.commit()).contains("0123456789abcdef0123456789abcdef01234567");
    assertThat(r.buildpacks()).isEqualTo(result.buildpacks());
    assertThat(r.selection()).isEqualTo(BuildRequest.Selection.ALL_IN_ORDER);
  }

  @Test
  void rebuildRefusesAResultOfAnotherApp() {
    Build other = Build.builder().app(AppName.of("blog")).version(Version.of("v1"))
        .addBuildpacks(Buildpack.parse("x")).build();
    assertThatThrownBy(() -> BuildRequest.rebuild(APP, other))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("blog");
  }

  @Test
  void refusesANonPositiveTimeoutAndABadCommit() {
    assertThatThrownBy(() -> BuildRequest.builder().app(APP).version(Version.of("v1"))
        .compileTimeout(Duration.ZERO).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("compile timeout");
    assertThatThrownBy(() -> BuildRequest.builder().app(APP).version(Version.of("v1"))
        .commit("--upload-pack=evil").build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("--upload-pack=evil");
  }
}
