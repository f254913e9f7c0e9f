package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.OneShot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One-shot commands in throwaway LXC containers on this machine. */
class LxcOneShotIT extends OneShotContract {
  @Override
  ContainerRuntime runtime(String root) {
    return RunnerInstall.builder().root(Path.of(root)).runtime(RuntimeKind.LXC).build().lxcRuntime(Duration.ofMinutes(1));
  }

  @Override
  CommandRunner runner(Path root) {
    return LocalCommandRunner.builder().root(root).build();
  }

  @Test
  void onlyTheWritableDirectoriesAreWritableAndOtherHostFilesAreNotThere() throws IOException {
    Files.writeString(root.resolve("host-secret"), "secret");
    Path other = Files.createDirectories(root.resolve("other"));
    CommandResult r = run(job("/bin/sh", "-c",
        "echo ok > " + work + "/w && echo work-writable;"
            + " [ -e " + root.resolve("host-secret") + " ] && echo secret-visible;"
            + " [ -e " + other + " ] && echo other-visible;"
            + " [ -e /root ] && ls /root >/dev/null 2>&1 && echo root-home-visible;"
            + " echo x > /etc/vr-oneshot-probe 2>/dev/null && echo etc-writable;"
            + " echo x > /usr/vr-oneshot-probe 2>/dev/null && echo usr-writable;"
            + " echo x > /tmp/t && echo tmp-writable; true"));
    assertThat(r.stdout().lines()).containsExactly("work-writable", "tmp-writable");
    assertThat(Path.of("/etc/vr-oneshot-probe")).doesNotExist();
  }

  @Test
  void systemDirectoriesAreReadOnlyEvenForTheContainersRoot() {
    CommandResult r = runtime.runOneShot(host, OneShot.builder()
        .argv("/bin/sh", "-c", "id -u; echo x > /etc/vr-oneshot-probe || echo refused")
        .build(), (c, l) -> { });
    assertThat(r.stdout()).isEqualTo("0\nrefused\n");
    assertThat(Path.of("/etc/vr-oneshot-probe")).doesNotExist();
  }

  @Test
  void runsInItsOwnPidNamespace() {
    CommandResult r = run(job("/bin/sh", "-c", "echo $$"));
    assertThat(Integer.parseInt(r.stdout().strip())).isLessThan(10);
  }

  @ParameterizedTest(name = "writable directory {0} is refused by name")
  @ValueSource(strings = {"/tmp/a b", "/tmp/a,b", "/tmp/a\nlxc.init.uid = 0", "/tmp/a:b", "/"})
  void pathsThatCannotGoIntoAnLxcConfigAreRefusedByName(String dir) {
    assertThatThrownBy(() -> run(job("/bin/true").addWritableDir(dir)))
        .isInstanceOf(RunnerException.class)
        .hasMessageContaining("writable directory")
        .hasMessageContaining(RunnerException.quote(dir));
    assertThatThrownBy(() -> run(job("/bin/true").workingDir(dir.equals("/") ? "/a b" : dir)))
        .isInstanceOf(RunnerException.class)
        .hasMessageContaining("working directory");
  }

  @Test
  void aWorkingDirectoryOutsideTheContainerIsRefused() {
    assertThatThrownBy(() -> run(job("/bin/true").workingDir(root.toString())))
        .isInstanceOf(RunnerException.class)
        .hasMessageContaining(root.toString()).hasMessageContaining("not inside the container");
  }

  @Test
  void noContainerProcessOutlivesATimeout() throws IOException {
    CommandResult r = run(job("/bin/sleep", "300").timeout(Duration.ofMillis(500)));
    assertThat(r.timedOut()).isTrue();
    assertThat(processesMentioning(root.toString())).as("lxc processes left").isEmpty();
    assertNothingLeftUnderRoot();
  }
}
