package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScriptsTest {
  @Test
  void rendersTheStartScript() {
    Golden.assertMatches("start.sh", Scripts.startSh("/app", "/vr", 5000,
        "gunicorn app:wsgi --bind 0.0.0.0:$PORT --name 'it''s'"));
  }

  @Test
  void rendersTheLxcRunScript() {
    Golden.assertMatches("lxc-run.sh", Scripts.lxcRunSh("demo-1.0-prod-abcdef12-web-5000-abcdefgh",
        "/apps/procs/p/lxc", "/apps/procs/p/proc.lxc"));
  }

  @Test
  void rendersThePlainRunScriptWithCgroupUserSwitchAndReadOnlyVolume() {
    Golden.assertMatches("plain-run.sh", Scripts.plainRunSh("demo-web", "/apps/procs/p/vr/start.sh",
        Optional.of("/sys/fs/cgroup/memory/vr.demo-web"), Optional.of(new int[] {65534, 65534}),
        List.of("/srv/data")));
  }

  @Test
  void writesEnvSortedAndSingleQuoted() {
    assertThat(Scripts.envSh(Map.of("B", "x'y", "A", "$(rm -rf /)\n`id`")))
        .isEqualTo("# written by the vr runner: the release's env\n"
            + "export A='$(rm -rf /)\n`id`'\n"
            + "export B='x'\\''y'\n");
  }

  @Test
  void refusesAnEnvKeyThatIsNotAVariableName() {
    assertThatThrownBy(() -> Scripts.envSh(Map.of("A;rm", "x")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"A;rm\"");
  }

  @Test
  void rendersTheLauncherThatExecsRunShOnlyForAProcDirectlyUnderProcs() {
    Golden.assertMatches("vr-runner", RunnerLauncher.script("/usr/bin/java", "/opt/vr/lib/*",
        RunnerConfig.builder().root(java.nio.file.Path.of("/apps"))
            .allowVolumesUnder(java.nio.file.Path.of("/srv")).build()));
  }
}
