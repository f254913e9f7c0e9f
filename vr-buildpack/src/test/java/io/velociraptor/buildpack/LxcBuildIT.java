package io.velociraptor.buildpack;

import static io.velociraptor.buildpack.BuildFixture.gitApp;
import static io.velociraptor.buildpack.BuildFixture.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.BuildListener;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.core.spi.BuildTimeoutException;
import io.velociraptor.lxc.LxcContainerRuntime;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Builds whose buildpack scripts run through vr-lxc's {@link LxcContainerRuntime} (one throwaway
 * container per script) over a local command runner.
 */
class LxcBuildIT {
  private static final String RELEASE = "printf -- '---\\ndefault_process_types:\\n  web: x\\n'";

  private BuildFixture fx;
  private LocalCommandRunner host;
  private Path runtimeRoot;

  @BeforeEach
  void setUp() throws IOException {
    Assumptions.assumeTrue(BuildFixture.isRoot(), "LXC containers need root; CI runs as root");
    fx = new BuildFixture();
    runtimeRoot = Files.createDirectories(fx.root.resolve("runtime"));
    host = LocalCommandRunner.builder().root(fx.root).build();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (host != null) {
      host.close();
    }
    if (fx != null) {
      fx.close();
    }
  }

  private BuildpackBuildBackend lxc() {
    return fx.backend().containerRuntime(RunnerInstall.builder().root(runtimeRoot).runtime(RuntimeKind.LXC)
        .build().runtime(Duration.ofMinutes(1)), host).build();
  }

  private Path extract(Build b) {
    Path out = fx.root.resolve("out");
    BuildTarball.extract(Path.of(URI.create(b.artifact().orElseThrow())), out);
    return out;
  }

  @Test
  void scriptsRunInAContainerAsTheBuildUserWithoutNetworkOrHostSecrets() throws IOException {
    Files.writeString(fx.root.resolve("host-only-file"), "secret");
    Path probe = fx.buildpack("probe", "echo probe",
        "echo \"$STACK\" > \"$1/stack\"; id -u > \"$1/uid\"\n"
            + "ls /sys/class/net > \"$1/net\"\n"
            + "[ -e " + fx.root.resolve("host-only-file") + " ] && echo visible > \"$1/leak\"\n"
            + "[ -e /root ] && ls /root > \"$1/root\" 2>/dev/null\n"
            + "echo $$ > \"$1/pid\"\n"
            + "echo compiled in a container",
        RELEASE);
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    Build b = lxc().build(BuildRequest.of(gitApp("lxcapp", repo, local(probe)),
        Version.of("main")), BuildListener.NONE);

    Path out = extract(b);
    assertThat(Files.readString(out.resolve("stack")).strip()).isEqualTo("vr-lxc");
    assertThat(Files.readString(out.resolve("uid")).strip()).isNotEqualTo("0");
    assertThat(Files.readString(out.resolve("net")).strip()).isEqualTo("lo");
    assertThat(out.resolve("leak")).doesNotExist();
    assertThat(out.resolve("root")).doesNotExist();
    // its own PID namespace: the compile shell is a low pid under the container's init
    assertThat(Integer.parseInt(Files.readString(out.resolve("pid")).strip())).isLessThan(10);
  }

  @Test
  void aBuildInLxcIsByteIdenticalToTheSameBuildOnTheHost() throws IOException {
    Path bp = fx.buildpack("plain", "echo plain", "echo built > \"$1/built\"", RELEASE);
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    BuildRequest req = BuildRequest.of(gitApp("lxcapp", repo, local(bp)), Version.of("main"));
    Build inLxc = lxc().build(req, BuildListener.NONE);
    Build onHost = fx.backend().home(fx.root.resolve("host-home")).build()
        .build(req, BuildListener.NONE);
    assertThat(inLxc.sha256()).isEqualTo(onHost.sha256());
  }

  @Test
  void aHungCompileInAContainerIsStoppedAtItsTimeLimit() throws IOException {
    Path hang = fx.buildpack("hang", "echo hang", "echo started; sleep 300", RELEASE);
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    BuildRequest req = BuildRequest.builder().app(gitApp("lxcapp", repo, local(hang)))
        .version(Version.of("main")).compileTimeout(Duration.ofSeconds(2)).build();
    long t0 = System.nanoTime();
    BuildTimeoutException e = org.junit.jupiter.api.Assertions.assertThrows(
        BuildTimeoutException.class, () -> lxc().build(req, BuildListener.NONE));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    assertThat(e.logTail()).contains("started");
    try (Stream<Path> s = Files.list(runtimeRoot.resolve("oneshot"))) {
      assertThat(s).as("container directories left behind").isEmpty();
    }
    assertThat(runningProcessesMentioning(fx.root.toString()))
        .as("processes of the stopped container").isEmpty();
  }

  @Test
  void aHostileSourceTreeAndBuildpackLeakNoHostFileIntoTheBuild() throws IOException {
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    Files.createSymbolicLink(repo.resolve("etc"), Path.of("/etc"));
    Files.createSymbolicLink(repo.resolve("shadow"), Path.of("/etc/shadow"));
    fx.commit(repo, Map.of(), "links");
    Path thief = fx.buildpack("thief", "echo thief",
        "cat \"$1/shadow\" > \"$1/copied\" 2>/dev/null\n"
            + "ln /etc/shadow \"$1/hardlink\" 2>/dev/null\n"
            + "ln /etc/passwd \"$1/hardlink-passwd\" 2>/dev/null\n"
            + "echo tried",
        RELEASE);
    Build b = lxc().build(BuildRequest.of(gitApp("lxcapp", repo, local(thief)),
        Version.of("main")), BuildListener.NONE);

    Path tarball = Path.of(URI.create(b.artifact().orElseThrow()));
    assertThat(BuildTarball.entries(tarball)).contains("etc", "shadow")
        .noneMatch(n -> n.startsWith("etc/"))
        .doesNotContain("hardlink", "hardlink-passwd");
    Path out = extract(b);
    assertThat(Files.isSymbolicLink(out.resolve("shadow"))).isTrue();
    assertThat(Files.size(out.resolve("copied"))).isZero();
  }

  @Test
  void aFailingCompileInAContainerGivesTheLogTail() throws IOException {
    Path bad = fx.buildpack("bad", "echo bad", "echo compiling; echo broken >&2; exit 3", RELEASE);
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> lxc().build(BuildRequest.of(
        gitApp("lxcapp", repo, local(bad)), Version.of("main")), BuildListener.NONE))
        .isInstanceOf(io.velociraptor.core.spi.BuildFailedException.class)
        .hasMessageContaining("exited with 3")
        .satisfies(e -> assertThat(((io.velociraptor.core.spi.BuildFailedException) e).logTail())
            .contains("compiling", "broken"));
  }

  @Test
  void buildpacksAreDetectedInOrderInContainers() throws IOException {
    Path no = fx.buildpack("no", "exit 1", "echo never > \"$1/never\"", RELEASE);
    Path yes = fx.buildpack("yes", "echo yes-pack", "echo first > \"$1/first\"", RELEASE);
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    Build detected = lxc().build(BuildRequest.of(gitApp("lxcapp", repo, local(no), local(yes)),
        Version.of("main")), BuildListener.NONE);
    assertThat(detected.buildpacks()).singleElement()
        .satisfies(bp -> assertThat(bp.url()).endsWith("/yes"));
    assertThat(extract(detected).resolve("never")).doesNotExist();
  }

  /** Live (not zombie) processes whose command line holds {@code text}. */
  static java.util.List<String> runningProcessesMentioning(String text) throws IOException {
    java.util.List<String> out = new java.util.ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")),
              java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
          String stat = Files.readString(p.resolve("stat"));
          if (cmd.contains(text) && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z') {
            out.add(p.getFileName() + ": " + cmd);
          }
        } catch (IOException gone) {
          // exited while we looked
        }
      }
    }
    return out;
  }
}
