package io.velociraptor.buildpack;

import static io.velociraptor.buildpack.BuildFixture.gitApp;
import static io.velociraptor.buildpack.BuildFixture.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BuildFailedException;
import io.velociraptor.core.spi.BuildListener;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.core.spi.BuildTimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real builds: git, buildpack scripts as the build user, tarballs, the filesystem store. */
class BuildpackBuildBackendIT {

  private static final String SHELL_DETECT = "[ -f \"$1/app.sh\" ] && echo shell";
  private static final String SHELL_COMPILE =
      "echo compiling in $(pwd)\ncp \"$1/app.sh\" \"$1/run.sh\"\nchmod +x \"$1/run.sh\"";
  private static final String SHELL_RELEASE =
      "printf -- '---\\ndefault_process_types:\\n  web: ./run.sh\\nconfig_vars:\\n  FROM_BP: shell\\n'";

  private BuildFixture fx;
  private Path shellBp;

  @BeforeEach
  void setUp() throws IOException {
    fx = new BuildFixture();
    shellBp = fx.buildpack("shell", SHELL_DETECT, SHELL_COMPILE, SHELL_RELEASE);
  }

  @AfterEach
  void tearDown() throws IOException {
    fx.close();
  }

  private Path repo() throws IOException {
    return fx.gitRepo("app", Map.of("app.sh*", "echo hello\n", "README", "read me\n"));
  }

  private Build build(App app, String version) {
    return fx.backend().build().build(BuildRequest.of(app, Version.of(version)),
        BuildListener.NONE);
  }

  @Test
  void buildsAGitAppAtABranchRecordingTheCommitBuildpackAndProcessTypes() throws IOException {
    Path repo = repo();
    Build b = build(gitApp("shellapp", repo, local(shellBp)), "main");

    assertThat(b.status()).isEqualTo(BuildStatus.SUCCESS);
    assertThat(b.commit()).contains(fx.head(repo));
    assertThat(b.buildpacks()).containsExactly(local(shellBp));
    assertThat(b.releaseProcessTypes()).containsExactly(Map.entry("web", "./run.sh"));
    assertThat(b.processTypes()).containsExactly(Map.entry("web", "./run.sh"));
    assertThat(b.configVars().asMap()).containsEntry("FROM_BP", "shell");
    assertThat(b.isUsable()).isTrue();
    assertThat(fx.store.find(b.sha256().orElseThrow())).isPresent();
    Path tarball = Path.of(java.net.URI.create(b.artifact().orElseThrow()));
    assertThat(BuildTarball.entries(tarball)).containsExactly("README", "app.sh", "run.sh");
    assertThat(b.sizeBytes().orElseThrow()).isEqualTo(Files.size(tarball));
  }

  @Test
  void buildsATagAndACommitAndRefusesAVersionTheRepositoryDoesNotHave() throws IOException {
    Path repo = repo();
    String first = fx.head(repo);
    fx.git(repo, "tag", "v1.0");
    fx.commit(repo, Map.of("app.sh*", "echo v2\n"), "second");
    BuildpackBuildBackend backend = fx.backend().build();
    App app = gitApp("shellapp", repo, local(shellBp));

    assertThat(backend.build(BuildRequest.of(app, Version.of("v1.0")), BuildListener.NONE)
        .commit()).contains(first);
    assertThat(backend.build(BuildRequest.of(app, Version.of(first.substring(0, 10))),
        BuildListener.NONE).commit()).contains(first);
    assertThat(backend.build(BuildRequest.of(app, Version.of("main")), BuildListener.NONE)
        .commit()).contains(fx.head(repo));
    assertThatThrownBy(() -> backend.build(BuildRequest.of(app, Version.of("v9")),
        BuildListener.NONE))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("step checkout")
        .hasMessageContaining("'v9'")
        .hasMessageContaining("refs/tags/v9");
  }

  @Test
  void laterBuildsFetchIntoTheAppsCacheInsteadOfCloningAgain() throws IOException {
    Path repo = repo();
    BuildpackBuildBackend backend = fx.backend().build();
    App app = gitApp("shellapp", repo, local(shellBp));
    backend.build(BuildRequest.of(app, Version.of("main")), BuildListener.NONE);
    Path cache;
    try (Stream<Path> s = Files.list(fx.home.resolve("repos"))) {
      cache = s.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    Files.writeString(cache.resolve("marker"), "still the same cache");
    fx.commit(repo, Map.of("app.sh*", "echo new\n"), "new");

    Build second = backend.build(BuildRequest.of(app, Version.of("main")), BuildListener.NONE);

    assertThat(second.commit()).contains(fx.head(repo));
    assertThat(cache.resolve("marker")).exists();
    try (Stream<Path> s = Files.list(fx.home.resolve("repos"))) {
      assertThat(s.filter(Files::isDirectory).count()).isEqualTo(1);
    }
  }

  @Test
  void detectionRunsInOrderAndTheFirstBuildpackThatAcceptsWins() throws IOException {
    Path never = fx.buildpack("never", "echo nope; exit 1", "exit 99", null);
    Path also = fx.buildpack("also", "echo also", "touch \"$1/also-compiled\"", null);
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    App app = gitApp("shellapp", repo(), local(never), local(shellBp), local(also));

    Build b = fx.backend().build().build(BuildRequest.of(app, Version.of("main")), lines::add);

    assertThat(b.buildpacks()).containsExactly(local(shellBp));
    assertThat(b.buildpackNames()).containsExactly("shell");
    assertThat(lines).contains("-----> detect: shell (" + shellBp + ")");
    assertThat(BuildTarball.entries(Path.of(java.net.URI.create(b.artifact().orElseThrow()))))
        .doesNotContain("also-compiled");
  }

  @Test
  void whenNoBuildpackDetectsTheErrorListsEveryOneTried() throws IOException {
    Path a = fx.buildpack("a", "exit 1", "true", null);
    Path b = fx.buildpack("b", "exit 3", "true", null);
    App app = gitApp("shellapp", repo(), local(a), local(b));
    assertThatThrownBy(() -> build(app, "main"))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("step detect")
        .hasMessageContaining("no buildpack detected the app")
        .hasMessageContaining(a + " (exit 1)")
        .hasMessageContaining(b + " (exit 3)");
  }

  @Test
  void multiBuildpackCompilesEachInOrderAndTheLastReleaseGivesTheDefaults() throws IOException {
    Path first = fx.buildpack("first", "echo first",
        "echo one >> \"$1/order\"",
        "printf -- '---\\ndefault_process_types:\\n  web: first-web\\n  worker: first-worker\\n"
            + "config_vars:\\n  A: first\\n  B: first\\naddons:\\n  - redis\\n'");
    Path second = fx.buildpack("second", "echo second",
        "echo two >> \"$1/order\"",
        "printf -- '---\\ndefault_process_types:\\n  web: second-web\\nconfig_vars:\\n  B: second\\n"
            + "addons:\\n  - redis\\n  - postgres\\n'");
    App app = gitApp("shellapp", repo(), local(first), local(second));
    BuildRequest req = BuildRequest.builder().app(app).version(Version.of("main"))
        .selection(BuildRequest.Selection.ALL_IN_ORDER).build();

    Build b = fx.backend().keepWorkDirs(false).build().build(req, BuildListener.NONE);

    assertThat(b.buildpacks()).containsExactly(local(first), local(second));
    assertThat(b.buildpackNames()).containsExactly("first", "second");
    assertThat(b.addons()).containsExactly("postgres", "redis");
    assertThat(b.releaseProcessTypes()).containsExactly(Map.entry("web", "second-web"));
    assertThat(b.configVars().asMap()).containsExactly(Map.entry("A", "first"),
        Map.entry("B", "second"));
    Path out = fx.root.resolve("out");
    BuildTarball.extract(Path.of(java.net.URI.create(b.artifact().orElseThrow())), out);
    assertThat(Files.readString(out.resolve("order"))).isEqualTo("one\ntwo\n");
  }

  @Test
  void aBuildpacksExportFileReachesTheBuildpacksAfterIt() throws IOException {
    Path first = fx.buildpack("first", "echo first",
        "bp=$(cd \"$(dirname \"$0\")/..\" && pwd)\n"
            + "printf 'export FROM_FIRST=\"a b\"\\nexport PATH=/opt/first/bin:$PATH\\n' > \"$bp/export\"",
        null);
    Path second = fx.buildpack("second", "echo second",
        "echo \"$FROM_FIRST\" > \"$1/seen\"; echo \"$PATH\" > \"$1/path\"; echo \"$HOME\" > \"$1/home\"",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    BuildRequest req = BuildRequest.builder().app(gitApp("shellapp", repo()))
        .version(Version.of("main")).addBuildpacks(local(first), local(second))
        .selection(BuildRequest.Selection.ALL_IN_ORDER).build();
    Build b = fx.backend().build().build(req, BuildListener.NONE);
    Path out = fx.root.resolve("out");
    BuildTarball.extract(Path.of(java.net.URI.create(b.artifact().orElseThrow())), out);
    assertThat(Files.readString(out.resolve("seen"))).isEqualTo("a b\n");
    assertThat(Files.readString(out.resolve("path"))).startsWith("/opt/first/bin:");
    assertThat(Files.readString(out.resolve("home")).strip()).endsWith("/home");
  }

  @Test
  void anExplicitBuildpackThatDoesNotAcceptTheAppFailsClearly() throws IOException {
    Path picky = fx.buildpack("picky", "exit 1", "true", null);
    BuildRequest req = BuildRequest.builder().app(gitApp("shellapp", repo()))
        .version(Version.of("main")).addBuildpacks(local(picky))
        .selection(BuildRequest.Selection.ALL_IN_ORDER).build();
    assertThatThrownBy(() -> fx.backend().build().build(req, BuildListener.NONE))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("does not accept this app");
  }

  @Test
  void aFailingCompileGivesTheExitCodeAndTheLogTailAndSavesTheLog() throws IOException {
    Path bad = fx.buildpack("bad", "echo bad",
        "i=1; while [ $i -le 50 ]; do echo \"line $i\"; i=$((i+1)); done\n"
            + "echo 'error: missing dependency libfoo' >&2\nexit 42", null);
    App app = gitApp("shellapp", repo(), local(bad));

    BuildFailedException e = org.junit.jupiter.api.Assertions.assertThrows(
        BuildFailedException.class, () -> build(app, "main"));

    assertThat(e.step()).isEqualTo("compile");
    assertThat(e.exitCode()).hasValue(42);
    assertThat(e.logTail()).hasSize(BuildLog.TAIL).contains("line 50",
        "error: missing dependency libfoo").doesNotContain("line 1");
    assertThat(e.getMessage()).contains("exited with 42").contains("libfoo")
        .contains("app 'shellapp' version 'main'");
    assertThat(e.logFile()).isPresent();
    assertThat(Files.readString(e.logFile().orElseThrow())).contains("line 1\n", "libfoo");
  }

  @Test
  void aHungCompileIsKilledWithEverythingItStartedAtItsTimeLimit() throws IOException {
    // a pid the script prints would be its PID namespace's, so the child is found by a marker
    String marker = "300." + (1_000_000 + new java.util.SplittableRandom().nextInt(8_999_999));
    Path hang = fx.buildpack("hang", "echo hang",
        "sleep " + marker + " &\necho started\nsleep 300", null);
    App app = gitApp("shellapp", repo(), local(hang));
    BuildRequest req = BuildRequest.builder().app(app).version(Version.of("main"))
        .compileTimeout(Duration.ofSeconds(2)).build();
    BuildpackBuildBackend backend = fx.backend().keepWorkDirs(true).build();

    long t0 = System.nanoTime();
    BuildTimeoutException e = org.junit.jupiter.api.Assertions.assertThrows(
        BuildTimeoutException.class, () -> backend.build(req, BuildListener.NONE));

    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    assertThat(e.step()).isEqualTo("compile");
    assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(e.logTail()).contains("started");
    assertThat(LxcBuildIT.runningProcessesMentioning("sleep " + marker))
        .as("background child of the killed compile").isEmpty();
    assertThat(LxcBuildIT.runningProcessesMentioning(fx.root.toString())).isEmpty();
  }

  @Test
  void twoBuildsOfTheSameSourceGiveIdenticalBytesAndHashes() throws IOException {
    App app = gitApp("shellapp", repo(), local(shellBp));
    Build a = build(app, "main");
    Build b = fx.backend().home(fx.root.resolve("other-home")).build()
        .build(BuildRequest.of(app, Version.of("main")), BuildListener.NONE);
    assertThat(b.sha256()).isEqualTo(a.sha256());
    assertThat(b.md5()).isEqualTo(a.md5());
    assertThat(b.sizeBytes()).isEqualTo(a.sizeBytes());
    assertThat(b.startedAt()).isNotEqualTo(Optional_empty());
  }

  @Test
  void twoBuildsWithByteIdenticalTarballsEachKeepTheirOwnCompileLog() throws IOException {
    // the compile prints a build env value but packs nothing from it: same bytes, other logs
    Path bp = fx.buildpack("greet", "echo greet", "echo \"greeting is $(cat \"$3/GREETING\")\"",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    App app = gitApp("shellapp", repo(), local(bp));
    BuildpackBuildBackend backend = fx.backend().build();
    Build first = backend.build(BuildRequest.of(App.builder().from(app)
        .buildEnv(Env.of(Map.of("GREETING", "first"))).build(), Version.of("main")),
        BuildListener.NONE);
    Build second = backend.build(BuildRequest.of(App.builder().from(app)
        .buildEnv(Env.of(Map.of("GREETING", "second"))).build(), Version.of("main")),
        BuildListener.NONE);

    assertThat(second.sha256()).isEqualTo(first.sha256());
    assertThat(second.compileLog()).isNotEqualTo(first.compileLog());
    assertThat(Path.of(java.net.URI.create(first.compileLog().orElseThrow())))
        .content(StandardCharsets.UTF_8).contains("greeting is first")
        .doesNotContain("greeting is second");
    assertThat(Path.of(java.net.URI.create(second.compileLog().orElseThrow())))
        .content(StandardCharsets.UTF_8).contains("greeting is second");
  }

  private static java.util.Optional<java.time.Instant> Optional_empty() {
    return java.util.Optional.empty();
  }

  @Test
  void streamsTheCompileLogAndStoresItWithTheBuild() throws IOException {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    List<String> steps = Collections.synchronizedList(new ArrayList<>());
    BuildListener listener = new BuildListener() {
      @Override
      public void onLine(String line) {
        lines.add(line);
      }

      @Override
      public void onStep(String step, String detail) {
        steps.add(step);
      }
    };
    App app = gitApp("shellapp", repo(), local(shellBp));
    Build b = fx.backend().build().build(BuildRequest.of(app, Version.of("main")), listener);

    assertThat(lines).anyMatch(l -> l.startsWith("compiling in "));
    assertThat(steps).containsSubsequence("checkout", "detect", "compile", "release", "tarball",
        "store");
    String name = Path.of(java.net.URI.create(b.compileLog().orElseThrow())).getFileName()
        .toString();
    assertThat(name).matches("compile-\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.log");
    try (InputStream in = fx.store.openAttachment(b.sha256().orElseThrow(), name)
        .orElseThrow()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("compiling in ");
    }
    assertThat(Path.of(java.net.URI.create(b.compileLog().orElseThrow())))
        .content(StandardCharsets.UTF_8).contains("compiling in ");
  }

  @Test
  void theProcfileWinsOverTheBuildpacksDefaultsAndIsReadAsAProcfile() throws IOException {
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n",
        "Procfile", "# comment\nweb: ./run.sh --port {PORT} & echo *\nclock: ./clock\n"));
    Build b = build(gitApp("shellapp", repo, local(shellBp)), "main");
    assertThat(b.procfileTypes()).containsExactly(Map.entry("clock", "./clock"),
        Map.entry("web", "./run.sh --port {PORT} & echo *"));
    assertThat(b.processTypes()).containsEntry("web", "./run.sh --port {PORT} & echo *");
  }

  @Test
  void aBadProcfileFailsTheBuildNamingTheLine() throws IOException {
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n", "Procfile", "web: a\nbad-name: b\n"));
    assertThatThrownBy(() -> build(gitApp("shellapp", repo, local(shellBp)), "main"))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("Procfile line 2")
        .hasMessageContaining("'bad-name'");
  }

  @Test
  void anAppWithoutAnyProcessTypeIsRefusedAtBuildTime() throws IOException {
    Path none = fx.buildpack("none", "echo none", "true", "echo '--- {}'");
    assertThatThrownBy(() -> build(gitApp("shellapp", repo(), local(none)), "main"))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("no process types");
  }

  @Test
  void slugignoreRemovesMatchesAfterCompile() throws IOException {
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n",
        ".slugignore", "\n# docs are not shipped\ndocs/\n*.psd\n",
        "docs/guide.txt", "guide", "art/logo.psd", "psd", "keep/notes.txt", "keep"));
    Path gen = fx.buildpack("gen", "echo gen", "mkdir -p \"$1/docs\"; echo gen > \"$1/docs/gen.txt\";"
        + " echo x > \"$1/gen.psd\"", "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    Build b = build(gitApp("shellapp", repo, local(gen)), "main");
    assertThat(BuildTarball.entries(Path.of(java.net.URI.create(b.artifact().orElseThrow()))))
        .containsExactly(".slugignore", "app.sh", "art/", "keep/", "keep/notes.txt");
  }

  @Test
  void aHostileSourceTreeLeaksNoHostFileIntoTheBuild() throws IOException {
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    Files.createSymbolicLink(repo.resolve("etc"), Path.of("/etc"));
    Files.createSymbolicLink(repo.resolve("shadow"), Path.of("/etc/shadow"));
    fx.commit(repo, Map.of(), "links");
    PosixFileAttributes before = Files.readAttributes(Path.of("/etc/shadow"),
        PosixFileAttributes.class);

    Build b = build(gitApp("shellapp", repo, local(shellBp)), "main");

    Path tarball = Path.of(java.net.URI.create(b.artifact().orElseThrow()));
    assertThat(BuildTarball.entries(tarball)).contains("etc", "shadow")
        .noneMatch(n -> n.startsWith("etc/"));
    Path out = fx.root.resolve("out");
    BuildTarball.extract(tarball, out);
    assertThat(Files.isSymbolicLink(out.resolve("shadow"))).isTrue();
    PosixFileAttributes after = Files.readAttributes(Path.of("/etc/shadow"),
        PosixFileAttributes.class);
    assertThat(after.owner()).isEqualTo(before.owner());
    assertThat(after.permissions()).isEqualTo(before.permissions());
  }

  @Test
  void aProcfileThatIsASymlinkToAHostFileIsRefused() throws IOException {
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    Files.createSymbolicLink(repo.resolve("Procfile"), Path.of("/etc/passwd"));
    fx.commit(repo, Map.of(), "link");
    assertThatThrownBy(() -> build(gitApp("shellapp", repo, local(shellBp)), "main"))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("Procfile must be a regular file");
  }

  @Test
  void buildpackScriptsRunAsTheUnprivilegedBuildUser() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(BuildFixture.isRoot(),
        "switching users needs root; CI runs as root");
    Path who = fx.buildpack("who", "echo who",
        "id -u > \"$1/uid\"; id -G > \"$1/groups\"\n"
            + "if touch /root/vr-build-escape 2>/dev/null; then echo escaped > \"$1/escape\"; fi",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    Build b = build(gitApp("shellapp", repo(), local(who)), "main");
    Path out = fx.root.resolve("out");
    BuildTarball.extract(Path.of(java.net.URI.create(b.artifact().orElseThrow())), out);
    int uid = (Integer) Files.getAttribute(fx.root, "unix:uid") == 0
        ? uidOf(BuildFixture.USER) : -1;
    assertThat(Files.readString(out.resolve("uid")).strip()).isEqualTo(Integer.toString(uid));
    assertThat(Files.readString(out.resolve("groups")).strip()).doesNotContain(" 0").isNotEqualTo("0");
    assertThat(out.resolve("escape")).doesNotExist();
    assertThat(Path.of("/root/vr-build-escape")).doesNotExist();
  }

  private static int uidOf(String user) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("id", "-u", user).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor();
    return Integer.parseInt(out);
  }

  @Test
  void theBuildEnvReachesCompileAsEnvDirFilesAndTheCachePersists() throws IOException {
    Path cachey = fx.buildpack("cachey", "echo cachey",
        "n=$(cat \"$2/count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$2/count\"\n"
            + "cp \"$3/GREETING\" \"$1/greeting\"\necho build $n",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    App app = App.builder().from(gitApp("shellapp", repo(), local(cachey)))
        .buildEnv(Env.of(Map.of("GREETING", "hello 'quoted' $HOME \"x\""))).build();
    BuildpackBuildBackend backend = fx.backend().build();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    backend.build(BuildRequest.of(app, Version.of("main")), BuildListener.NONE);
    Build second = backend.build(BuildRequest.of(app, Version.of("main")), lines::add);

    assertThat(lines).contains("build 2");
    Path out = fx.root.resolve("out");
    BuildTarball.extract(Path.of(java.net.URI.create(second.artifact().orElseThrow())), out);
    assertThat(Files.readString(out.resolve("greeting"))).isEqualTo("hello 'quoted' $HOME \"x\"");
  }

  @Test
  void feedingABuildResultBackRebuildsTheSameTarballAfterNewCommits() throws IOException {
    Path repo = repo();
    Path bpRepo = fx.gitRepo("bp-repo", Map.of("bin/detect*", "#!/bin/sh\necho git-shell\n",
        "bin/compile*", "#!/bin/sh\necho v1 > \"$1/bp-version\"\n",
        "bin/release*", "#!/bin/sh\nprintf -- '---\\ndefault_process_types:\\n  web: x\\n'\n"));
    App app = gitApp("shellapp", repo, Buildpack.parse("file://" + bpRepo));
    BuildpackBuildBackend backend = fx.backend().build();
    Build first = backend.build(BuildRequest.of(app, Version.of("main")), BuildListener.NONE);
    assertThat(first.buildpacks()).singleElement()
        .satisfies(bp -> assertThat(bp.ref()).contains(fx.head(bpRepo)));

    fx.commit(repo, Map.of("app.sh*", "echo changed\n"), "change app");
    fx.commit(bpRepo, Map.of("bin/compile*", "#!/bin/sh\necho v2 > \"$1/bp-version\"\n"),
        "change bp");
    Build fedBack = VrJson.readYaml(VrJson.writeYaml(first), Build.class);
    Build again = backend.build(BuildRequest.rebuild(app, fedBack), BuildListener.NONE);
    Build latest = backend.build(BuildRequest.of(app, Version.of("main")), BuildListener.NONE);

    assertThat(again.sha256()).isEqualTo(first.sha256());
    assertThat(again.commit()).isEqualTo(first.commit());
    assertThat(again.buildpacks()).isEqualTo(first.buildpacks());
    assertThat(again.buildpackNames()).isEqualTo(first.buildpackNames()).containsExactly("git-shell");
    assertThat(again.addons()).isEqualTo(first.addons());
    assertThat(latest.sha256()).isNotEqualTo(first.sha256());
  }

  @Test
  void theBuildResultIsSnakeCaseYamlThatReadsBackEqual() throws IOException {
    Build b = build(gitApp("shellapp", repo(), local(shellBp)), "main");
    String yaml = VrJson.writeYaml(b);
    assertThat(yaml).contains("app: shellapp", "release_process_types:", "config_vars:",
        "size_bytes:", "sha256:", "md5:", "commit:", "started_at:", "finished_at:", "buildpacks:",
        "buildpack_names:", "compile_log:", "addons:");
    assertThat(VrJson.readYaml(yaml, Build.class)).isEqualTo(b);
  }

  @Test
  void buildsALocalDirectoryWithoutItsGitDirectory() throws IOException {
    Path dir = fx.root.resolve("local-src");
    BuildFixture.writeFiles(dir, Map.of("app.sh*", "echo local\n", ".git/config", "x"));
    App app = App.builder().name(AppName.of("localapp")).repoUrl(dir.toString())
        .repoType(App.RepoType.LOCAL).addBuildpacks(local(shellBp)).build();
    Build b = build(app, "dev");
    assertThat(b.commit()).isEmpty();
    assertThat(BuildTarball.entries(Path.of(java.net.URI.create(b.artifact().orElseThrow()))))
        .containsExactly("app.sh", "run.sh");
  }

  @Test
  void concurrentBuildsOfOneAppAndVersionWaitForEachOtherInsteadOfFailing() throws Exception {
    Path slow = fx.buildpack("slow", "echo slow", "sleep 1; echo done",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    App app = gitApp("shellapp", repo(), local(slow));
    App otherEnv = App.builder().from(app).buildEnv(Env.of(Map.of("X", "1"))).build();
    BuildpackBuildBackend backend = fx.backend().build();
    BuildpackBuildBackend secondProcessLike = fx.backend().build();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Build>> results = new ArrayList<>();
      results.add(pool.submit(() -> backend.build(BuildRequest.of(app, Version.of("main")),
          BuildListener.NONE)));
      results.add(pool.submit(() -> backend.build(BuildRequest.of(app, Version.of("main")),
          BuildListener.NONE)));
      results.add(pool.submit(() -> secondProcessLike.build(
          BuildRequest.of(otherEnv, Version.of("main")), BuildListener.NONE)));
      results.add(pool.submit(() -> secondProcessLike.build(
          BuildRequest.of(app, Version.of("main")), BuildListener.NONE)));
      List<Build> builds = new ArrayList<>();
      for (Future<Build> f : results) {
        builds.add(f.get());
      }
      assertThat(builds).allSatisfy(b -> assertThat(b.status()).isEqualTo(BuildStatus.SUCCESS));
      assertThat(builds.stream().map(b -> b.sha256().orElseThrow()).distinct()).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSpecialFileLeftByCompileFailsTheTarballStepClearly() throws IOException {
    Path fifo = fx.buildpack("fifo", "echo fifo", "mkfifo \"$1/pipe\"",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    assertThatThrownBy(() -> build(gitApp("shellapp", repo(), local(fifo)), "main"))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("step tarball")
        .hasMessageContaining("'pipe'");
  }

  @Test
  void aRelativeSymlinkOutOfTheBuildFailsTheTarballStepNamingItInsteadOfFailingAtDeploy()
      throws IOException {
    Path up = fx.buildpack("up", "echo up", "mkdir \"$1/conf\"; ln -s ../../secrets \"$1/conf/s\"",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    assertThatThrownBy(() -> build(gitApp("shellapp", repo(), local(up)), "main"))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("step tarball")
        .hasMessageContaining("'conf/s'")
        .hasMessageContaining("outside the build");
    assertThat(fx.store.list()).isEmpty();
  }

  @Test
  void aFifoInALocalSourceFailsTheCheckoutNamingItInsteadOfBeingDropped() throws Exception {
    Path dir = fx.root.resolve("local-src");
    BuildFixture.writeFiles(dir, Map.of("app.sh*", "echo local\n"));
    Files.createDirectories(dir.resolve("run"));
    Process p = new ProcessBuilder("mkfifo", dir.resolve("run/pipe").toString()).inheritIO()
        .start();
    assertThat(p.waitFor()).isZero();
    App app = App.builder().name(AppName.of("localapp")).repoUrl(dir.toString())
        .repoType(App.RepoType.LOCAL).addBuildpacks(local(shellBp)).build();
    assertThatThrownBy(() -> build(app, "dev"))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("step checkout")
        .hasMessageContaining("'run/pipe'")
        .hasMessageContaining("special file");
  }

  @Test
  void aBuildpackThatCreatesAHostileFileNameFailsTheTarballStepInsteadOfPackingIt()
      throws IOException {
    Path evil = fx.buildpack("evil", "echo evil", "touch \"$1/$(printf 'evil\\nname')\"",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    assertThatThrownBy(() -> build(gitApp("shellapp", repo(), local(evil)), "main"))
        .isInstanceOf(BuildFailedException.class)
        .hasMessageContaining("step tarball")
        .hasMessageContaining("evil\\x0aname");
    assertThat(fx.store.list()).isEmpty();
  }

  @Test
  void theWorkDirectoryIsGoneWhenABuildReturnsAndDeletedFromTheTrashSoonAfter()
      throws IOException {
    build(gitApp("shellapp", repo(), local(shellBp)), "main");
    try (Stream<Path> s = Files.list(fx.home.resolve("work"))) {
      assertThat(s).isEmpty();
    }
    assertThat(Files.exists(fx.home.resolve("work"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(emptiesWithin(fx.home.resolve("trash"), Duration.ofSeconds(30)))
        .as("trash/ emptied by the background deletion").isTrue();
  }

  @Test
  void closingTheBackendWaitsUntilFinishedBuildsWorkDirectoriesAreRemoved() throws IOException {
    // a compile that leaves thousands of files in its TMPDIR makes the work dir slow to remove
    Path junky = fx.buildpack("junky", "echo junky",
        "mkdir \"$TMPDIR/junk\" && cd \"$TMPDIR/junk\" && i=0 && while [ $i -lt 4000 ];"
            + " do : > f$i; i=$((i+1)); done",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    BuildpackBuildBackend backend = fx.backend().build();
    backend.build(BuildRequest.of(gitApp("shellapp", repo(), local(junky)), Version.of("main")),
        BuildListener.NONE);

    backend.close();

    try (Stream<Path> s = Files.list(fx.home.resolve("trash"))) {
      assertThat(s).as("trash/ right after close").isEmpty();
    }
    assertThat(backend.awaitCleanup(Duration.ZERO)).as("nothing pending after close").isTrue();
    assertThatThrownBy(() -> backend.awaitCleanup(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
  }

  @Test
  void workDirectoriesAJvmLeftInTheTrashAreDeletedByTheNextBackendOnTheHome()
      throws IOException {
    Path left = fx.home.resolve("trash/shellapp-main-0123abcd");
    Files.createDirectories(left.resolve("app/sub"));
    Files.writeString(left.resolve("app/sub/file"), "x");
    Files.createSymbolicLink(left.resolve("app/etc"), Path.of("/etc"));

    fx.backend().build();

    assertThat(emptiesWithin(fx.home.resolve("trash"), Duration.ofSeconds(30))).isTrue();
    assertThat(Path.of("/etc/passwd")).exists();
  }

  /** Polls until {@code dir} is empty, up to {@code limit}. */
  private static boolean emptiesWithin(Path dir, Duration limit) throws IOException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try (Stream<Path> s = Files.list(dir)) {
        if (s.findAny().isEmpty()) {
          return true;
        }
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }
}
