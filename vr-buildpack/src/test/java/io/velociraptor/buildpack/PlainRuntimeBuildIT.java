package io.velociraptor.buildpack;

import static io.velociraptor.buildpack.BuildFixture.gitApp;
import static io.velociraptor.buildpack.BuildFixture.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.BuildListener;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runtime route is the SPI, not LXC: a build through vr-lxc's plain runtime. */
class PlainRuntimeBuildIT {
  private BuildFixture fx;
  private LocalCommandRunner host;

  @BeforeEach
  void setUp() throws IOException {
    Assumptions.assumeTrue(BuildFixture.isRoot(), "switching users needs root; CI runs as root");
    fx = new BuildFixture();
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

  @Test
  void scriptsRunThroughThePlainRuntimeAsTheBuildUserWithoutNetwork() throws IOException {
    Path probe = fx.buildpack("probe", "echo probe",
        "echo \"$STACK\" > \"$1/stack\"; id -un > \"$1/user\"\n"
            + "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' > \"$1/net\"",
        "printf -- '---\\ndefault_process_types:\\n  web: x\\n'");
    Path repo = fx.gitRepo("app", Map.of("app.sh*", "echo hi\n"));
    Build b = fx.backend().containerRuntime(RunnerInstall.builder().root(fx.root.resolve("runtime"))
        .runtime(RuntimeKind.PLAIN).build().runtime(Duration.ofMinutes(1)), host).build()
        .build(BuildRequest.of(gitApp("plainapp", repo, local(probe)), Version.of("main")),
            BuildListener.NONE);

    Path out = fx.root.resolve("out");
    BuildTarball.extract(Path.of(URI.create(b.artifact().orElseThrow())), out);
    assertThat(Files.readString(out.resolve("stack")).strip()).isEqualTo("vr-plain");
    assertThat(Files.readString(out.resolve("user")).strip()).isEqualTo(BuildFixture.USER);
    assertThat(Files.readString(out.resolve("net")).strip()).isEqualTo("lo");
  }
}
