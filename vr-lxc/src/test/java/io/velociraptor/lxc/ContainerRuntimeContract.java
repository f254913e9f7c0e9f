package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.MemoryLimit;
import io.velociraptor.core.model.ImmutableProcData;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.Volume;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.UptestResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ContainerRuntime} SPI as the dispatcher uses it, through a {@link
 * LocalCommandRunner} and the installed runner launcher: setup from a {@link ProcData}, run
 * Supervisor's command, uptest, teardown.
 */
abstract class ContainerRuntimeContract {
  Path root;
  Path launcher;
  LocalCommandRunner host;
  ContainerRuntime runtime;
  Process proc;
  /** Builds live outside the runner's root, as on a controller, so the runtime uploads them. */
  Path controller;

  abstract RuntimeKind kind();

  /** @return the runner's classpath: this JVM's, or the runner jar ({@link PlainRunnerJarIT}) */
  RunnerInstall.Builder classpath(RunnerInstall.Builder b) {
    return b.classpathOfThisJvm();
  }

  abstract ImmutableProcData.Builder image(ImmutableProcData.Builder b, Path work) throws IOException;

  @BeforeEach
  void install() throws IOException {
    assumeTrue(Fixtures.isRoot(), "the runner's real-component tests need root (CI runs as root)");
    root = Fixtures.tempRoot();
    controller = Files.createTempDirectory("vr-controller");
    Files.createDirectories(root.resolve("vol"));
    host = LocalCommandRunner.builder().root(root).build();
    RunnerInstall install = classpath(RunnerInstall.builder().root(root).runtime(kind())
        .allowVolumesUnder(root.resolve("vol"))).build();
    install.install(host);
    launcher = install.launcher();
    assertThat(launcher).isEqualTo(root.resolve("bin/vr-runner"));
    runtime = install.runtime(Duration.ofMinutes(2));
  }

  @AfterEach
  void cleanUp() throws InterruptedException, IOException {
    if (root == null) {
      return;
    }
    if (proc != null) {
      proc.destroy();
      if (!proc.waitFor(15, TimeUnit.SECONDS)) {
        proc.descendants().forEach(ProcessHandle::destroyForcibly);
        proc.destroyForcibly();
      }
    }
    Path procs = root.resolve("procs");
    if (Files.isDirectory(procs)) {
      try (var dirs = Files.list(procs)) {
        for (Path d : dirs.toList()) {
          runtime.teardown(host, ProcName.parse(d.getFileName().toString()));
        }
      }
    }
    runtime.close(); // its runner session on the host
    host.close();
    Files2.deleteTree(root);
    Files2.deleteTree(controller);
  }

  ProcData proc(int port) throws IOException {
    Path src = Fixtures.tree(Files.createTempDirectory(root, "src"), Map.of(
        "www/index.html", "hello\n",
        "Procfile", "web: exec busybox httpd -f -p $PORT -h www\n",
        "uptests/web/serves", "#!/bin/sh\nbusybox wget -q -O - http://$1:$2/index.html\n",
        "uptests/web/settings", "#!/bin/sh\ncat \"$APP_SETTINGS_YAML\"; echo \"$SECRET\"\n"));
    Path build = Fixtures.tar(src, Files.createTempDirectory(controller, "build").resolve("build.tar.gz"));
    ImmutableProcData.Builder b = ProcData.builder().appName("demo").version("1.0 beta").configName("test")
        .releaseHash("abcdef12").procName("web").port(port).host("127.0.0.1")
        .buildUrl(build.toString()).buildMd5(Files2.digest(build, "MD5"))
        .env(Env.of(Map.of("SECRET", "a'b\"c\nd")))
        .memLimit(MemoryLimit.parse("128M"))
        .addVolumes(Volume.of(root.resolve("vol").toString(), volumeInside(), true));
    return image(b, root).build();
  }

  abstract String volumeInside();

  @Test
  void setsUpRunsUptestsAndTearsDownAProcFromItsProcData() throws Exception {
    int port = Fixtures.freePort();
    ProcData data = proc(port);

    runtime.setup(host, data);
    // proc.yaml holds the env, like env.sh: owner only
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
        root.resolve("procs").resolve(data.programName()).resolve("proc.yaml")))).isEqualTo("rw-------");
    List<String> argv = runtime.runCommand(data);
    assertThat(argv).containsExactly(launcher.toString(), "run",
        root + "/procs/" + data.programName() + "/proc.yaml");
    proc = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(root.resolve("proc.log").toFile()).start();
    Await.until("the proc to serve", Duration.ofSeconds(20), () -> Fixtures.get(port, "/index.html").isPresent());

    List<UptestResult> results = runtime.uptest(host, data, Duration.ofSeconds(10));
    assertThat(results).extracting(UptestResult::name).containsExactly("serves", "settings");
    assertThat(results).allMatch(UptestResult::passed);
    assertThat(results.get(0).output()).isEqualTo("hello\n");
    assertThat(results.get(1).output()).endsWith("a'b\"c\nd\n");

    proc.destroy();
    assertThat(proc.waitFor(15, TimeUnit.SECONDS)).isTrue();
    runtime.teardown(host, ProcName.parse(data.programName()));
    assertThat(root.resolve("procs").resolve(data.programName())).doesNotExist();
    assertThat(Fixtures.get(port, "/")).isEmpty();
  }

  @Test
  void uploadsALocalBuildOnceAndChecksItsDigest() throws Exception {
    ProcData data = proc(Fixtures.freePort());
    runtime.setup(host, data);
    try (var builds = Files.list(root.resolve("builds"))) {
      assertThat(builds.map(p -> p.getFileName().toString()))
          .containsExactly(Files2.digest(Path.of(data.buildUrl().get()), "SHA-256") + ".tar.gz");
    }
    ProcData corrupt = ProcData.builder().from(data).port(data.port().getAsInt() + 1)
        .buildMd5("0".repeat(32)).build();
    assertThatThrownBy(() -> runtime.setup(host, corrupt)).isInstanceOf(VrException.class)
        .hasMessageContaining("md5");
  }

  @Test
  void procsOfOneReleaseSetUpAtOnceSendItsBuildOnce() throws Exception {
    List<String> uploads = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    io.velociraptor.core.spi.CommandRunner counting = (io.velociraptor.core.spi.CommandRunner) java.lang.reflect.Proxy
        .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {io.velociraptor.core.spi.CommandRunner.class},
            (proxy, m, args) -> {
              if (m.getName().equals("upload") && args[0] instanceof Path) {
                uploads.add((String) args[1]); // a local file: the build (and, with LXC, the image)
              }
              try {
                return m.invoke(host, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
    ProcData first = proc(Fixtures.freePort());
    List<ProcData> procs = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      procs.add(ProcData.builder().from(first).port(first.port().getAsInt() + i).build());
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(procs.size());
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    try {
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (ProcData d : procs) {
        done.add(pool.submit(() -> {
          go.await();
          runtime.setup(counting, d);
          return null;
        }));
      }
      go.countDown();
      for (var f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(uploads).as("each artifact sent to the host once").doesNotHaveDuplicates()
        .anyMatch(remote -> remote.startsWith(root.resolve("builds").toString()));
    try (var builds = Files.list(root.resolve("builds"))) {
      assertThat(builds.filter(p -> !p.getFileName().toString().startsWith("."))).hasSize(1);
    }
    for (ProcData d : procs) {
      assertThat(root.resolve("procs").resolve(d.programName())).isDirectory();
      runtime.teardown(host, ProcName.parse(d.programName()));
    }
  }

  @Test
  void listsItsProcDirectoriesIncludingAFailedSetupsAndLeavesOutForeignOnes() throws Exception {
    assertThat(runtime.procDirs(host)).isEmpty();
    ProcData data = proc(Fixtures.freePort());
    runtime.setup(host, data);
    ProcData refused = ProcData.builder().from(data).port(data.port().getAsInt() + 1)
        .buildMd5("0".repeat(32)).build();
    assertThatThrownBy(() -> runtime.setup(host, refused)).isInstanceOf(VrException.class);
    Path foreign = Files.createDirectories(root.resolve("procs/nginx"));
    try {
      assertThat(runtime.procDirs(host)).containsExactlyInAnyOrder(
          ProcName.parse(data.programName()), ProcName.parse(refused.programName()));
      runtime.teardown(host, ProcName.parse(refused.programName()));
      assertThat(root.resolve("procs").resolve(refused.programName())).doesNotExist();
      assertThat(runtime.procDirs(host)).containsExactly(ProcName.parse(data.programName()));
    } finally {
      Files.delete(foreign);
    }
  }

  @Test
  void refusesToTearDownAForeignProgram() {
    assertThatThrownBy(() -> runtime.teardown(host, ProcName.parse("nginx")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"nginx\"");
  }

  @Test
  void tearingDownAProcThatIsGoneSucceeds() {
    runtime.teardown(host, ProcName.parse("demo-1.0-test-abcdef12-web-5000"));
  }
}
