package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.remote.LocalCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's builds/ and unpacked/ on a host are pruned to the kept builds and what its procs use. */
class PruneBuildsTest {
  private static final String KEPT = "a".repeat(64);
  private static final String USED = "b".repeat(64);
  private static final String OLD = "c".repeat(64);
  private static final String LOWER = "d".repeat(64);

  @TempDir Path dir;
  private Path root;
  private LocalCommandRunner host;
  private PlainContainerRuntime runtime;

  @BeforeEach
  void open() throws Exception {
    root = Files.createDirectories(dir.resolve("apps"));
    host = LocalCommandRunner.builder().root(root.toString()).build();
    runtime = new PlainContainerRuntime(new RuntimeSettings("/bin/true", root.toString(), Duration.ofSeconds(30), 5));
    Path builds = Files.createDirectories(root.resolve("builds"));
    Path unpacked = Files.createDirectories(root.resolve("unpacked"));
    for (String sha : List.of(KEPT, USED, OLD)) {
      Files.writeString(builds.resolve(sha + ".tar.gz"), sha);
      Files.createDirectories(unpacked.resolve(sha).resolve("bin"));
      Files.writeString(unpacked.resolve(sha + ".lock"), "");
    }
    Files.createDirectories(unpacked.resolve(LOWER));
    Files.createDirectories(unpacked.resolve("empty"));
    Files.writeString(builds.resolve(".x.tar.gz.123.part"), "downloading");
    Files.writeString(builds.resolve("by-url.tar.gz"), "fetched by url");
    Files.writeString(builds.resolve("old-url.tar.gz"), "fetched once");
    // a proc set up from USED, downloaded by-url.tar.gz, and an LXC proc on LOWER
    Path proc = Files.createDirectories(root.resolve("procs/shop-v2-prod-abcdef123456-web-5000-shopweb2"));
    // written as the dispatcher's runtime uploads it
    Files.writeString(proc.resolve("proc.yaml"), VrJson.writeYaml(ProcData.builder().appName("shop").version("v2")
        .configName("prod").releaseHash("abcdef123456").procName("web").port(5000).host("127.0.0.1")
        .buildUrl("http://builds.example/x/by-url.tar.gz?sig=1").buildSha256(USED).build()));
    Path lxc = Files.createDirectories(root.resolve("procs/shop-v3-prod-abcdef123456-web-5001-shopweb2"));
    Files.writeString(lxc.resolve("app.lower"), root.resolve("unpacked").resolve(LOWER) + "\n");
  }

  @AfterEach
  void close() {
    host.close();
  }

  @Test
  void removesOnlyWhatNoKeptBuildAndNoProcUses() {
    List<String> removed = runtime.pruneBuilds(host, Set.of(KEPT), false);
    assertThat(removed).containsExactly(root + "/builds/" + OLD + ".tar.gz", root + "/builds/old-url.tar.gz",
        root + "/unpacked/" + OLD, root + "/unpacked/" + OLD + ".lock");
    assertThat(root.resolve("builds/" + OLD + ".tar.gz")).doesNotExist();
    assertThat(root.resolve("unpacked/" + OLD)).doesNotExist();
    for (String sha : List.of(KEPT, USED)) {
      assertThat(root.resolve("builds/" + sha + ".tar.gz")).exists();
      assertThat(root.resolve("unpacked/" + sha)).isDirectory();
    }
    assertThat(root.resolve("unpacked/" + LOWER)).isDirectory();
    assertThat(root.resolve("unpacked/empty")).isDirectory();
    assertThat(root.resolve("builds/by-url.tar.gz")).exists();
    assertThat(root.resolve("builds/.x.tar.gz.123.part")).exists();
  }

  @Test
  void aTarballDownloadedByUrlThatIsAKeptBuildStaysByItsContent() throws Exception {
    String sha = Files2.digest(root.resolve("builds/old-url.tar.gz"), "SHA-256");
    assertThat(runtime.pruneBuilds(host, Set.of(KEPT, sha), true)).doesNotContain(root + "/builds/old-url.tar.gz");
  }

  @Test
  void aSymlinkIsRemovedItselfAndItsTargetOutsideTheRootStays() throws Exception {
    Path outside = Files.writeString(dir.resolve("precious.tar.gz"), "not the runner's");
    Files.createSymbolicLink(root.resolve("builds/" + "e".repeat(64) + ".tar.gz"), outside);
    Path outsideDir = Files.createDirectories(dir.resolve("precious-dir"));
    Files.writeString(outsideDir.resolve("keep"), "x");
    Files.createSymbolicLink(root.resolve("unpacked/" + "f".repeat(64)), outsideDir);
    runtime.pruneBuilds(host, Set.of(KEPT), false);
    assertThat(root.resolve("builds/" + "e".repeat(64) + ".tar.gz")).doesNotExist();
    assertThat(root.resolve("unpacked/" + "f".repeat(64))).doesNotExist();
    assertThat(outside).hasContent("not the runner's");
    assertThat(outsideDir.resolve("keep")).exists();
  }

  @Test
  void aDryRunRemovesNothing() {
    List<String> would = runtime.pruneBuilds(host, Set.of(KEPT), true);
    assertThat(would).hasSize(4);
    assertThat(root.resolve("builds/" + OLD + ".tar.gz")).exists();
    assertThat(root.resolve("unpacked/" + OLD)).isDirectory();
  }
}
