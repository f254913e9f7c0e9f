package io.velociraptor.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.buildpack.BuildTarball;
import io.velociraptor.buildpack.BuildpackBuildBackend;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.BuildListener;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.core.store.FileSystemArtifactStore;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import io.velociraptor.testkit.MachineClaims;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Builds each example app with the example buildpacks (detecting among all three), starts its
 * web process from the built tarball on a free port and runs the app's {@code uptests/web}
 * scripts against it.
 */
class ExampleAppsBuildIT {
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static final String USER = "vrbuild";

  private Path root;
  private LocalCommandRunner host;
  private final List<BuildpackBuildBackend> backends = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createTempDirectory("vr-examples-it-");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    host = LocalCommandRunner.builder().root(root).build();
  }

  @AfterEach
  void tearDown() throws IOException {
    backends.forEach(BuildpackBuildBackend::close); // waits for the background work-dir removal
    host.close();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static List<Buildpack> exampleBuildpacks() {
    return Stream.of("static", "java", "procfile")
        .map(n -> Buildpack.parse(EXAMPLES.resolve("buildpacks").resolve(n).toString())).toList();
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Builds directly as the build user, or (lxc) through vr-lxc's runtime in throwaway containers. */
  BuildpackBuildBackend backend(Path home, boolean lxc) throws IOException {
    BuildpackBuildBackend.Builder b = BuildpackBuildBackend.builder().home(home)
        .artifactStore(FileSystemArtifactStore.of(home.resolveSibling(home.getFileName() + "-store")))
        .defaultBuildpacks(exampleBuildpacks());
    if (isRoot()) {
      MachineClaims.ensureSystemUser(USER);
      b.buildUser(USER);
      if (lxc) {
        b.containerRuntime(RunnerInstall.builder().root(Files.createDirectories(root.resolve("runtime")))
            .runtime(RuntimeKind.LXC).build().runtime(Duration.ofMinutes(2)), host);
      }
      return own(b.build());
    }
    return own(b.runScriptsAsCurrentUser().build());
  }

  private BuildpackBuildBackend own(BuildpackBuildBackend backend) {
    backends.add(backend);
    return backend;
  }

  @ParameterizedTest(name = "{0} is built by the {1} buildpack (in LXC: {3}) and passes its uptests")
  @CsvSource({
      "static-site, static, bin/vr-static-serve, false",
      "java-hello, java, java -cp classes hello.Main, false",
      "prebuilt, procfile, bin/serve, false",
      "static-site, static, bin/vr-static-serve, true",
      "java-hello, java, java -cp classes hello.Main, true",
      "prebuilt, procfile, bin/serve, true"})
  void exampleAppBuildsRunsAndPassesItsUptests(String appDir, String buildpack, String web,
      boolean lxc) throws Exception {
    if (lxc) {
      org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "LXC needs root; CI runs as root");
    }
    App app = App.builder().name(AppName.of(appDir.replace('-', '_')))
        .repoUrl(EXAMPLES.resolve("apps").resolve(appDir).toString())
        .repoType(App.RepoType.LOCAL).build();
    List<String> log = new ArrayList<>();
    Build build = backend(root.resolve("home"), lxc).build(
        BuildRequest.of(app, Version.of("1.0")), log::add);

    assertThat(build.buildpacks()).singleElement()
        .satisfies(bp -> assertThat(bp.url()).endsWith("/buildpacks/" + buildpack));
    assertThat(build.processTypes()).containsEntry("web", web);

    Path out = root.resolve("run");
    BuildTarball.extract(Path.of(URI.create(build.artifact().orElseThrow())), out);
    assertThat(out.resolve("uptests/web")).isDirectory();
    runWebAndUptests(out, build.processTypes().get("web"), build.configVars().asMap());
  }

  @org.junit.jupiter.api.Test
  void aJavaRebuildWithAWarmCacheReusesTheCompiledClassesAndGivesTheSameBytes() throws Exception {
    App app = App.builder().name(AppName.of("java_hello"))
        .repoUrl(EXAMPLES.resolve("apps/java-hello").toString())
        .repoType(App.RepoType.LOCAL).build();
    BuildpackBuildBackend backend = backend(root.resolve("home"), false);
    Build cold = backend.build(BuildRequest.of(app, Version.of("1.0")), BuildListener.NONE);
    List<String> log = new ArrayList<>();
    Build warm = backend.build(BuildRequest.of(app, Version.of("1.0")), log::add);
    assertThat(log).anyMatch(l -> l.contains("reusing compiled classes from the cache"));
    assertThat(warm.sha256()).isEqualTo(cold.sha256());
  }

  static void runWebAndUptests(Path appDir, String command, Map<String, String> env)
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder("setsid", "sh", "-c", command).directory(appDir.toFile())
        .redirectErrorStream(true).redirectOutput(appDir.resolve(".web.log").toFile());
    pb.environment().putAll(env);
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("HOME", appDir.toString());
    Process web = pb.start();
    try {
      waitForPort(port, Duration.ofSeconds(30), web, appDir);
      List<Path> tests;
      try (Stream<Path> s = Files.list(appDir.resolve("uptests/web"))) {
        tests = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
      }
      assertThat(tests).isNotEmpty();
      for (Path t : tests) {
        Process up = new ProcessBuilder(t.toString(), "127.0.0.1", Integer.toString(port))
            .redirectErrorStream(true).start();
        String out = new String(up.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(up.exitValue()).as("uptest %s said: %s", t.getFileName(), out).isZero();
      }
    } finally {
      new ProcessBuilder("kill", "-KILL", "--", "-" + web.pid()).start().waitFor(10, TimeUnit.SECONDS);
      web.destroyForcibly();
      web.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void waitForPort(int port, Duration max, Process web, Path appDir)
      throws IOException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      if (!web.isAlive()) {
        throw new AssertionError("web process exited with " + web.exitValue() + ": "
            + Files.readString(appDir.resolve(".web.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
    }
    throw new AssertionError("web process did not listen on " + port + " within " + max + ": "
        + Files.readString(appDir.resolve(".web.log")));
  }

}
