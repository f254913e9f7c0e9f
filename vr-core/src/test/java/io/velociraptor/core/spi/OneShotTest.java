package io.velociraptor.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.testkit.InMemoryContainerRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OneShotTest {

  @Test
  void aMinimalOneShotHasSafeDefaults() {
    OneShot s = OneShot.builder().argv("/bin/true").build();
    assertThat(s.argv()).containsExactly("/bin/true");
    assertThat(s.env()).isEmpty();
    assertThat(s.workingDir()).isEqualTo("/");
    assertThat(s.writableDirs()).isEmpty();
    assertThat(s.user()).isEmpty();
    assertThat(s.network()).isFalse();
    assertThat(s.timeout()).isEqualTo(OneShot.DEFAULT_TIMEOUT);
  }

  @Test
  void keepsEnvironmentValuesVerbatimAndSortsNamesAndDirectories() {
    OneShot s = OneShot.builder().argv("/bin/sh", "-c", "echo \"$B\"")
        .env(Map.of("B", "it's \"$x\" `y`\nz", "A", ""))
        .writableDirs(List.of("/w/b", "/w/a", "/w/b"))
        .build();
    assertThat(s.env()).containsExactly(Map.entry("A", ""), Map.entry("B", "it's \"$x\" `y`\nz"));
    assertThat(s.writableDirs()).containsExactly("/w/a", "/w/b");
  }

  @Test
  void neverShowsEnvironmentValuesInItsTextForm() {
    OneShot s = OneShot.builder().argv("/bin/env").putEnv("TOKEN", "s3cret").build();
    assertThat(s.toString()).contains("TOKEN").doesNotContain("s3cret");
  }

  @ParameterizedTest(name = "program {0} is refused")
  @ValueSource(strings = {"true", "bin/true", "/usr/bin/A=B", ""})
  void refusesAProgramThatIsNotAnAbsolutePathWithoutEquals(String program) {
    assertThatThrownBy(() -> OneShot.builder().argv(program).build())
        .isInstanceOf(InvalidCommandException.class)
        .hasMessageContaining("argv[0]").hasMessageContaining("'" + program + "'");
  }

  @ParameterizedTest(name = "path {0} is refused")
  @ValueSource(strings = {"relative", "/a/../etc", "/a/./b", "/a//b", "/a/", ""})
  void refusesWorkingAndWritableDirsThatAreNotAbsoluteAndNormalized(String path) {
    assertThatThrownBy(() -> OneShot.builder().argv("/bin/true").workingDir(path).build())
        .isInstanceOf(InvalidCommandException.class)
        .hasMessageContaining("workingDir '" + path + "'");
    assertThatThrownBy(() -> OneShot.builder().argv("/bin/true").addWritableDir(path).build())
        .isInstanceOf(InvalidCommandException.class)
        .hasMessageContaining("writableDirs '" + path + "'");
  }

  @Test
  void refusesBadVariableNamesNulCharactersUsersAndTimeouts() {
    assertThatThrownBy(() -> OneShot.builder().argv("/bin/true").putEnv("A-B", "x").build())
        .hasMessageContaining("'A-B'");
    assertThatThrownBy(() -> OneShot.builder().argv("/bin/true").putEnv("A", "x\0y").build())
        .hasMessageContaining("env A").hasMessageContaining("x\\0y");
    assertThatThrownBy(() -> OneShot.builder().argv("/bin/echo", "a\0b").build())
        .hasMessageContaining("a\\0b");
    assertThatThrownBy(() -> OneShot.builder().argv("/bin/true").user("-root").build())
        .hasMessageContaining("user '-root'");
    assertThatThrownBy(() -> OneShot.builder().argv("/bin/true").user("a b").build())
        .hasMessageContaining("user 'a b'");
    assertThatThrownBy(() -> OneShot.builder().argv("/bin/true").timeout(Duration.ZERO).build())
        .hasMessageContaining("timeout 'PT0S'");
  }

  @Test
  void equalOneShotsAreEqual() {
    OneShot a = OneShot.builder().argv("/bin/true").user("nobody").network(true).build();
    OneShot b = OneShot.builder().argv("/bin/true").user("nobody").network(true).build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(OneShot.builder().argv("/bin/true").user("nobody").build());
  }

  @Test
  void aRuntimeWithoutAOneShotEntryPointSaysWhichRuntimeRefused() {
    ContainerRuntime runtime = new InMemoryContainerRuntime();
    assertThatThrownBy(() -> runtime.runOneShot(null, OneShot.builder().argv("/bin/true").build(),
        LineListener.ignoring()))
        .isInstanceOf(OneShotUnsupportedException.class)
        .hasMessageContaining("runtime in-memory cannot run one-shot commands")
        .satisfies(e -> assertThat(((OneShotUnsupportedException) e).runtime())
            .isEqualTo("in-memory"));
  }
}
