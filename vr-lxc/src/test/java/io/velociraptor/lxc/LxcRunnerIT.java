package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The runner with real LXC 5 and a busybox image (and once without an image). */
class LxcRunnerIT extends RunnerContract {
  private Path image;

  @Override
  RuntimeKind runtime() {
    return RuntimeKind.LXC;
  }

  @Override
  String imageLines() throws IOException {
    if (image == null) {
      image = Fixtures.busyboxImage(Files.createTempDirectory(root, "image"));
    }
    return "image_name: busybox\nimage_url: " + image + "\nimage_sha256: " + Files2.digest(image, "SHA-256") + "\n";
  }

  @Override
  String volumeInside(Path hostDir) {
    return "/data";
  }

  @Override
  String appDir(String procName) {
    return "/app";
  }

  @Override
  void assertNothingRunning(String procName) {
    String info = Runner.exec(List.of("lxc-info", "-n", procName, "-P",
        root.resolve("procs").resolve(procName).resolve("lxc").toString(), "-s"),
        Duration.ofSeconds(10), () -> { }).output();
    assertThat(info).doesNotContain("RUNNING");
  }

  @Override
  void assertNoTrace(String procName) {
    assertThat(Path.of("/sys/fs/cgroup/memory/lxc.payload." + procName)).doesNotExist();
  }

  @Test
  void teardownEndsTheContainerOfAProcWhoseLxcExecuteWasKilled() throws Exception {
    int port = Fixtures.freePort();
    Path yaml = proc("demo.orphan", port, build(Map.of("Procfile", "web: busybox httpd -f -p $PORT -h www\n")), "");
    runner.setup(yaml);
    Process p = start(yaml, root.resolve("orphan.log"));
    Await.until("the proc to answer on port " + port, Duration.ofSeconds(20),
        () -> Fixtures.get(port, "/index.html").isPresent());
    // SIGKILL to lxc-execute, the container's monitor (as an OOM kill or a kill -9 of the
    // program would): the container's init and its app are in a process group of their own
    p.destroyForcibly();
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
    assertThat(Fixtures.get(port, "/index.html")).as("the orphaned container still serves").contains("hello\n");

    runner.teardown(yaml);

    assertThat(Fixtures.get(port, "/index.html")).as("nothing serves after teardown").isEmpty();
    assertThat(root.resolve("procs/demo.orphan")).doesNotExist();
    Path pids = Path.of("/sys/fs/cgroup/pids"); // cgroup v1, as on these machines; v2 has no such directory
    if (Files.isDirectory(pids)) {
      try (var dirs = Files.list(pids)) {
        assertThat(dirs.map(d -> d.getFileName().toString())
            .filter(n -> n.startsWith("lxc.payload.demo.orphan") || n.startsWith("lxc.monitor.demo.orphan")).toList())
            .as("the container's cgroups").isEmpty();
      }
    }
    assertNoTrace("demo.orphan");
  }

  @Test
  void runsWithoutAnImageOnTheHostsSystemDirectoriesReadOnly() throws Exception {
    int port = Fixtures.freePort();
    Path build = build(Map.of());
    Path dir = Files.createDirectories(root.resolve("procs/demo.hostroot"));
    Path yaml = Files.writeString(dir.resolve("proc.yaml"), "proc_name: web\nport: " + port
        + "\nbuild_url: " + build + "\nbuild_sha256: " + Files2.digest(build, "SHA-256") + "\n"
        + "cmd: if touch /usr/vr-was-here 2>/dev/null; then echo WROTE; fi;"
        + " exec busybox httpd -f -p $PORT -h www\n");
    runner.setup(yaml);
    Process p = start(yaml, root.resolve("hostroot.log"));
    Await.until("the proc to answer", Duration.ofSeconds(20), () -> Fixtures.get(port, "/index.html").isPresent());
    assertThat(Fixtures.get(port, "/index.html")).contains("hello\n");
    p.destroy();
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(root.resolve("hostroot.log"))).doesNotContain("WROTE");
    assertThat(Path.of("/usr/vr-was-here")).doesNotExist();
    runner.teardown(yaml);
    assertThat(dir).doesNotExist();
  }

  @Test
  void sharesOneUnpackedBuildBetweenProcsSetUpAtOnceAndKeepsTheirWritesApart() throws Exception {
    Path build = build(Map.of());
    Path a = proc("demo.a", Fixtures.freePort(), build, "cmd: echo a > /app/mine; cat /app/mine\n");
    Path b = proc("demo.b", Fixtures.freePort(), build, "cmd: cat /app/mine 2>&1 || echo none\n");
    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> runner.setup(a));
    CompletableFuture<Void> second = CompletableFuture.runAsync(() -> runner.setup(b));
    first.get(60, TimeUnit.SECONDS);
    second.get(60, TimeUnit.SECONDS);
    try (var unpacked = Files.list(root.resolve("unpacked"))) {
      assertThat(unpacked.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().equals("empty")))
          .hasSize(1);
    }
    Process pa = start(a, root.resolve("a.log"));
    assertThat(pa.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Process pb = start(b, root.resolve("b.log"));
    assertThat(pb.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(root.resolve("a.log"))).contains("a");
    assertThat(Files.readString(root.resolve("b.log"))).contains("none");
  }

  @Test
  void withNetworkNoneTheProcSeesOnlyItsOwnLoopback() throws Exception {
    Runner isolated = Runner.of(RunnerConfig.builder().root(root).runtime(RuntimeKind.LXC)
        .hostNetwork(false).build());
    Path yaml = proc("demo.nonet", Fixtures.freePort(), build(Map.of()),
        "cmd: echo interfaces=$(busybox cat /proc/net/dev | busybox grep -c ':')\n");
    isolated.setup(yaml);
    Process p = start(yaml, root.resolve("nonet.log"));
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(root.resolve("nonet.log"))).contains("interfaces=1");
    assertThat(Files.readString(yaml.resolveSibling("proc.lxc"))).contains("lxc.net.0.type = empty");
  }

  @Test
  void anImageWhoseEtcIsASymlinkToTheHostsIsRefusedAndTheHostUntouched() throws Exception {
    Path img = Files.createTempDirectory(root, "evil-image");
    Files.createDirectories(img.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), img.resolve("bin/busybox"));
    Files.createSymbolicLink(img.resolve("etc"), Path.of("/etc"));
    Path tarball = Fixtures.tar(img, root.resolve("evil-image.tar.gz"));
    Path resolv = Path.of("/etc/resolv.conf");
    boolean wasLink = Files.isSymbolicLink(resolv);
    long size = Files.exists(resolv) ? Files.size(resolv) : -1;
    Path dir = Files.createDirectories(root.resolve("procs/demo.evilimg"));
    Path yaml = Files.writeString(dir.resolve("proc.yaml"), "proc_name: web\ncmd: true\nimage_url: " + tarball + "\n");
    assertThatThrownBy(() -> runner.setup(yaml)).isInstanceOf(RunnerException.class)
        .hasMessageContaining("no etc directory");
    assertThat(Files.isSymbolicLink(resolv)).isEqualTo(wasLink);
    assertThat(Files.exists(resolv) ? Files.size(resolv) : -1).isEqualTo(size);
  }
}
