package io.velociraptor.core.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.spi.PathRefusedException;
import org.junit.jupiter.api.Test;

class RemotePathsTest {

  @Test
  void normalizesLexically() {
    assertThat(RemotePaths.normalize("/a//b/./c/../d/")).isEqualTo("/a/b/d");
    assertThat(RemotePaths.normalize("/../../x")).isEqualTo("/x");
    assertThat(RemotePaths.normalize("//")).isEqualTo("/");
  }

  @Test
  void allowsRemovalOnlyStrictlyInsideTheRoot() {
    assertThat(RemotePaths.checkRemovable("h", "/apps", "/apps/procs/x")).isEqualTo("/apps/procs/x");
    for (String bad : new String[] {"/apps", "/apps/", "/apps/..", "/appsx/y", "/", "/apps/../etc"}) {
      assertThatThrownBy(() -> RemotePaths.checkRemovable("h", "/apps", bad))
          .as(bad).isInstanceOf(PathRefusedException.class).hasMessageContaining("host h");
    }
  }

  @Test
  void theRootDirectoryAsRootStillRefusesSlashItself() {
    assertThat(RemotePaths.checkRemovable("h", "/", "/tmp/x")).isEqualTo("/tmp/x");
    assertThatThrownBy(() -> RemotePaths.checkRemovable("h", "/", "/"))
        .isInstanceOf(PathRefusedException.class);
  }

  @Test
  void refusesModesOutsideThePermissionBits() {
    assertThat(RemotePaths.checkMode(0755)).isEqualTo(0755);
    assertThatThrownBy(() -> RemotePaths.checkMode(04755))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("04755");
  }
}
