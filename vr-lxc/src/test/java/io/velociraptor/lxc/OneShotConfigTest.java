package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OneShotConfigTest {
  private static OneShotConfig config(List<String> writable, String cwd) {
    return new OneShotConfig("vr1-0123456789abcdef", "/apps/oneshot/vr1-0123456789abcdef/rootfs",
        "/apps/oneshot/vr1-0123456789abcdef/lxc.log", List.of("/etc", "/opt", "/usr"), writable,
        LxcConfig.Network.NONE, Optional.of(new OneShotConfig.Ids(999, 998)), cwd);
  }

  @Test
  void rendersTheOneShotContainerAsTheGoldenFile() {
    Golden.assertMatches("oneshot.lxc", config(
        List.of("/builds/work/app-1", "/builds/cache/app/bp"), "/builds/work/app-1/app").render());
  }

  @Test
  void withTheHostNetworkAndNoUserItSharesTheNetworkAndRunsAsTheContainersRoot() {
    String rc = new OneShotConfig("c", "/r/rootfs", "/r/log", List.of(), List.of(),
        LxcConfig.Network.HOST, Optional.empty(), "/").render();
    assertThat(rc).contains("lxc.net.0.type = none\n").doesNotContain("lxc.init.uid");
  }

  @ParameterizedTest(name = "{0} is refused")
  @ValueSource(strings = {"/a b", "/a,b", "/a\nlxc.init.uid = 0", "/a:b", "/a/../etc", "relative",
      "/a//b", "/ä"})
  void refusesEveryPathThatIsNotPlain(String path) {
    assertThatThrownBy(() -> config(List.of(path), "/"))
        .isInstanceOf(RunnerException.class)
        .hasMessageContaining("writable directory " + RunnerException.quote(path));
    assertThatThrownBy(() -> config(List.of(), path))
        .isInstanceOf(RunnerException.class)
        .hasMessageContaining("working directory " + RunnerException.quote(path));
  }

  @Test
  void refusesTheHostRootAsAWritableDirectory() {
    assertThatThrownBy(() -> config(List.of("/"), "/"))
        .isInstanceOf(RunnerException.class).hasMessageContaining("whole host");
  }
}
