package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.remote.LocalCommandRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunnerInstallTest {
  @TempDir Path tmp;

  private static RunnerInstall.Builder plain(Path root) {
    return RunnerInstall.builder().root(root).runtime(RuntimeKind.PLAIN);
  }

  private static ProcData proc() {
    return ProcData.builder().appName("demo").version("1.0").configName("test").releaseHash("abcdef12")
        .procName("web").port(5000).build();
  }

  /** A jar holding the given (empty) entries, with an optional manifest attribute. */
  private static Path jar(Path file, List<String> entries, String manifestKey) throws IOException {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (manifestKey != null) {
      m.getMainAttributes().putValue(manifestKey, "3.3.0");
    }
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(out, m)) {
      for (String e : entries) {
        j.putNextEntry(new JarEntry(e));
        j.closeEntry();
      }
    }
    return file;
  }

  private static Path runnerJar(Path file) throws IOException {
    return jar(file, List.of("io/velociraptor/lxc/RunnerMain.class", "io/velociraptor/core/VrException.class",
        "io/velociraptor/lxc/RunnerServe.class"), null);
  }

  @Test
  void theRuntimesDriveTheSameLauncherAndRootTheInstallWrites() {
    RunnerInstall install = plain(Path.of("/srv/vr")).classpath(List.of(Path.of("/opt/vr/lib/*"))).build();
    assertThat(install.launcher()).isEqualTo(Path.of("/srv/vr/bin/vr-runner"));
    assertThat(install.runtime(Duration.ofMinutes(1))).isInstanceOf(PlainContainerRuntime.class);
    assertThat(install.plainRuntime(Duration.ofMinutes(1)).runCommand(proc())).containsExactly(
        "/srv/vr/bin/vr-runner", "run", "/srv/vr/procs/" + proc().programName() + "/proc.yaml");
    assertThat(install.script()).contains("'--root' '/srv/vr'", "'--runtime' 'plain'", "-cp '/opt/vr/lib/*'");
    // serve, the resident runner the runtimes use for setup, uptest and teardown, with full JIT
    assertThat(install.script()).containsPattern("if \\[ \"\\$1\" = serve \\] && \\[ \\$# -eq 1 \\]; then\n"
        + "  exec '[^']*' -XX:\\+UseSerialGC -cp '/opt/vr/lib/\\*' io.velociraptor.lxc.RunnerMain .*'--root' '/srv/vr'.* serve\n");

    RunnerInstall lxc = RunnerInstall.builder().root(Path.of("/apps")).launcher(Path.of("/usr/local/bin/vr-runner"))
        .build();
    assertThat(lxc.runtimeKind()).isEqualTo(RuntimeKind.LXC);
    assertThat(lxc.runtime(Duration.ofMinutes(1))).isInstanceOf(LxcContainerRuntime.class);
    assertThat(lxc.lxcRuntime(Duration.ofMinutes(1)).runCommand(proc()).get(0)).isEqualTo("/usr/local/bin/vr-runner");
  }

  @Test
  void refusesARuntimeOfTheOtherKindNamingBoth() {
    RunnerInstall lxc = RunnerInstall.builder().root(Path.of("/apps")).build();
    assertThatThrownBy(() -> lxc.plainRuntime(Duration.ofMinutes(1))).isInstanceOf(RunnerException.class)
        .hasMessageContaining("\"plain\"").hasMessageContaining("--runtime lxc");
    RunnerInstall plain = plain(Path.of("/apps")).build();
    assertThatThrownBy(() -> plain.lxcRuntime(Duration.ofMinutes(1))).isInstanceOf(RunnerException.class)
        .hasMessageContaining("\"lxc\"").hasMessageContaining("--runtime plain");
  }

  @Test
  void refusesPathsThatAreRelativeOrNotNormalisedNamingTheValue() {
    assertThatThrownBy(() -> plain(Path.of("apps")).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("runner root \"apps\"");
    assertThatThrownBy(() -> plain(Path.of("/srv/../apps")).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("runner root \"/srv/../apps\"");
    assertThatThrownBy(() -> plain(Path.of("/apps")).launcher(Path.of("bin/vr-runner")).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("runner launcher \"bin/vr-runner\"");
    assertThatThrownBy(() -> plain(Path.of("/apps")).launcher(Path.of("/usr/./bin/vr-runner")).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("runner launcher \"/usr/./bin/vr-runner\"")
        .hasMessageContaining("not normalised");
    assertThatThrownBy(() -> plain(Path.of("/apps")).java(Path.of("java")).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("java executable \"java\"");
    assertThatThrownBy(() -> plain(Path.of("/apps")).classpath(List.of(Path.of("lib/vr.jar"))).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("runner classpath entry \"lib/vr.jar\"");
    assertThatThrownBy(() -> plain(Path.of("/apps")).classpath(List.of(Path.of("/opt/a:b.jar"))).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"/opt/a:b.jar\"")
        .hasMessageContaining("classpath separator");
  }

  @Test
  void thisJvmsClassPathIsMadeAbsolute() {
    assertThat(RunnerInstall.Builder.parseClasspath("target/classes:/opt/x.jar"))
        .containsExactly(Path.of("target/classes").toAbsolutePath(), Path.of("/opt/x.jar"));
  }

  @Test
  void refusesASpringBootFatJarAsClasspathPointingAtTheRunnerJar() throws IOException {
    Path boot = jar(tmp.resolve("app.jar"), List.of("BOOT-INF/", "BOOT-INF/lib/", "BOOT-INF/lib/vr-lxc.jar"), null);
    assertThatThrownBy(() -> plain(tmp).classpath(List.of(boot)).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"" + boot + "\"")
        .hasMessageContaining("Spring Boot fat jar").hasMessageContaining("runnerJar");
    Path byManifest = jar(tmp.resolve("other.jar"), List.of("x/Y.class"), "Spring-Boot-Version");
    assertThatThrownBy(() -> plain(tmp).classpath(List.of(byManifest)).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("Spring Boot fat jar");
    Path ordinary = jar(tmp.resolve("lib.jar"), List.of("x/Y.class"), null);
    assertThat(plain(tmp).classpath(List.of(ordinary)).build().classpath()).containsExactly(ordinary);
  }

  @Test
  void refusesARunnerJarThatIsMissingOrNotTheSelfContainedOne() throws IOException {
    assertThatThrownBy(() -> plain(tmp).runnerJar(tmp.resolve("nope.jar")).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("runner jar \"" + tmp.resolve("nope.jar") + "\"")
        .hasMessageContaining("does not exist");
    Path thin = jar(tmp.resolve("vr-lxc.jar"), List.of("io/velociraptor/lxc/RunnerMain.class"), null);
    assertThatThrownBy(() -> plain(tmp).runnerJar(thin).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"" + thin + "\"")
        .hasMessageContaining("io/velociraptor/core/VrException.class").hasMessageContaining("'runner'");
    // a runner jar from before serve: the runtimes would start a JVM per step
    Path old = jar(tmp.resolve("vr-lxc-old-runner.jar"), List.of("io/velociraptor/lxc/RunnerMain.class",
        "io/velociraptor/core/VrException.class"), null);
    assertThatThrownBy(() -> plain(tmp).runnerJar(old).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"" + old + "\"")
        .hasMessageContaining("io/velociraptor/lxc/RunnerServe.class");
    Path notAJar = Files.writeString(tmp.resolve("text.jar"), "not a zip");
    assertThatThrownBy(() -> plain(tmp).runnerJar(notAJar).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"" + notAJar + "\"")
        .hasMessageContaining("cannot be read as a jar");
  }

  @Test
  void refusesAClasspathTogetherWithARunnerJar() throws IOException {
    Path jar = runnerJar(tmp.resolve("runner.jar"));
    assertThatThrownBy(() -> plain(tmp).classpath(List.of(Path.of("/opt/vr.jar"))).runnerJar(jar).build())
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"/opt/vr.jar\"")
        .hasMessageContaining(jar.toString());
  }

  @Test
  void installWritesTheLauncherThroughTheHost() throws IOException {
    Path root = tmp.resolve("runner");
    RunnerInstall install = plain(root).classpath(List.of(Path.of("/opt/vr/lib/*"))).build();
    try (LocalCommandRunner host = LocalCommandRunner.builder().root(tmp).build()) {
      install.install(host);
    }
    Path launcher = root.resolve("bin/vr-runner");
    assertThat(Files.readString(launcher)).isEqualTo(install.script());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(launcher))).isEqualTo("rwxr-xr-x");
  }

  @Test
  void installUploadsTheRunnerJarUnderTheRootAsTheWholeClasspath() throws IOException {
    Path root = tmp.resolve("runner");
    Path jar = runnerJar(tmp.resolve("dist/vr-lxc-runner.jar"));
    RunnerInstall install = plain(root).runnerJar(jar).build();
    assertThat(install.classpath()).containsExactly(root.resolve("lib/vr-runner.jar"));
    try (LocalCommandRunner host = LocalCommandRunner.builder().root(root).build()) {
      install.install(host);
    }
    assertThat(root.resolve("lib/vr-runner.jar")).hasSameBinaryContentAs(jar);
    assertThat(Files.readString(root.resolve("bin/vr-runner"))).contains("-cp '" + root + "/lib/vr-runner.jar'");
  }

  @Test
  void installsTheRunnerJarFromAClassPathResourceAlsoInsideAnAppJar() throws IOException {
    Path jar = runnerJar(tmp.resolve("dist/vr-lxc-runner.jar"));
    // the app's own jar with the runner jar inside, as in a fat jar's classes
    Path app = tmp.resolve("app.jar");
    try (OutputStream out = Files.newOutputStream(app); JarOutputStream j = new JarOutputStream(out)) {
      j.putNextEntry(new JarEntry("vr/vr-lxc-runner.jar"));
      j.write(Files.readAllBytes(jar));
      j.closeEntry();
    }
    Path root = tmp.resolve("runner");
    try (URLClassLoader loader = new URLClassLoader(new URL[] {app.toUri().toURL()}, null);
        LocalCommandRunner host = LocalCommandRunner.builder().root(root).build()) {
      plain(root).runnerJarResource(loader, "vr/vr-lxc-runner.jar").build().install(host);
      assertThatThrownBy(() -> plain(root).runnerJarResource(loader, "vr/missing.jar").build())
          .isInstanceOf(RunnerException.class).hasMessageContaining("runner jar resource \"vr/missing.jar\"");
    }
    assertThat(root.resolve("lib/vr-runner.jar")).hasSameBinaryContentAs(jar);
  }

  @Test
  void installRefusesARootOutsideTheHostsRemovalRootNamingBothBeforeWritingAnything() {
    Path root = tmp.resolve("runner");
    Path elsewhere = tmp.resolve("work");
    RunnerInstall install = plain(root).classpath(List.of(Path.of("/opt/vr.jar"))).build();
    try (LocalCommandRunner host = LocalCommandRunner.builder().root(elsewhere).build()) {
      assertThatThrownBy(() -> install.install(host)).isInstanceOf(RunnerException.class)
          .hasMessageContaining("runner root \"" + root + "\"").hasMessageContaining(elsewhere.toString());
    }
    assertThat(root).doesNotExist();
  }

  @Test
  void installRefusesWithoutAClasspath() {
    RunnerInstall install = plain(tmp.resolve("runner")).build();
    try (LocalCommandRunner host = LocalCommandRunner.builder().root(tmp).build()) {
      assertThatThrownBy(() -> install.install(host)).isInstanceOf(RunnerException.class)
          .hasMessageContaining("no runner classpath").hasMessageContaining("classpathOfThisJvm()");
    }
    assertThat(tmp.resolve("runner")).doesNotExist();
  }
}
