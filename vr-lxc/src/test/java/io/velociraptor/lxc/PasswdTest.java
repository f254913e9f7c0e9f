package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswdTest {
  @TempDir
  Path dir;

  @Test
  void resolvesUsersAndGroupsInTheGivenEtc() throws IOException {
    Path etc = Fixtures.tree(dir.resolve("etc"), Map.of(
        "passwd", "root:x:0:0::/root:/bin/sh\napp:x:1001:1002::/app:/bin/sh\n",
        "group", "root:x:0:\nweb:x:2000:\n"));
    assertThat(Passwd.resolve(etc, "app", Optional.empty())).containsExactly(1001, 1002);
    assertThat(Passwd.resolve(etc, "app", Optional.of("web"))).containsExactly(1001, 2000);
    assertThat(Passwd.resolve(etc, "app", Optional.of("nogroup"))).containsExactly(1001, 1002);
    assertThat(Passwd.resolve(etc, "4242", Optional.empty())).containsExactly(4242, 4242);
    assertThatThrownBy(() -> Passwd.resolve(etc, "ghost", Optional.empty()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("user \"ghost\"");
    assertThatThrownBy(() -> Passwd.resolve(etc, "app", Optional.of("staff")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("group \"staff\"");
  }
}
