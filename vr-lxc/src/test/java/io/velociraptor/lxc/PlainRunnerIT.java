package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** The runner's plain-process runtime: the same contract without containers. */
class PlainRunnerIT extends RunnerContract {
  @Override
  RuntimeKind runtime() {
    return RuntimeKind.PLAIN;
  }

  @Override
  String imageLines() {
    return "";
  }

  @Override
  String volumeInside(Path hostDir) {
    return hostDir.toString();
  }

  @Override
  String appDir(String procName) {
    return root.resolve("procs").resolve(procName).resolve("app").toString();
  }

  @Override
  void assertNothingRunning(String procName) {
    Path procs = Path.of("/sys/fs/cgroup/memory/vr." + procName + "/cgroup.procs");
    if (Files.exists(procs)) {
      assertThat(Files2.readSmallText(procs, 1 << 20)).isBlank();
    }
    assertThat(ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse(""))
        .filter(c -> c.contains(root.resolve("procs").toString()))).isEmpty();
  }

  @Override
  void assertNoTrace(String procName) {
    assertThat(Path.of("/sys/fs/cgroup/memory/vr." + procName)).doesNotExist();
  }
}
