package io.velociraptor.buildpack;

import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.BuildListener;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.core.store.FileSystemArtifactStore;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A JVM that runs one build and prints its log lines, for {@link BuildShutdownIT} to signal.
 * Args: fixture root, route ({@code self}, {@code user},
 * {@code plain} or {@code lxc}), buildpack dir, local
 * source dir.
 */
final class BuildShutdownProbe {
  private BuildShutdownProbe() {}

  public static void main(String[] args) {
    Path root = Path.of(args[0]);
    BuildpackBuildBackend.Builder b = BuildpackBuildBackend.builder().home(root.resolve("home"))
        .artifactStore(FileSystemArtifactStore.of(root.resolve("store")));
    switch (args[1]) {
      case "self" -> b.runScriptsAsCurrentUser();
      case "user" -> b.buildUser(BuildFixture.USER);
      case "plain" -> b.buildUser(BuildFixture.USER).containerRuntime(
          RunnerInstall.builder().root(root.resolve("runtime")).runtime(RuntimeKind.PLAIN).build()
              .runtime(Duration.ofMinutes(1)), LocalCommandRunner.builder().root(root).build());
      case "lxc" -> b.buildUser(BuildFixture.USER).containerRuntime(
          RunnerInstall.builder().root(root.resolve("runtime")).runtime(RuntimeKind.LXC).build()
              .runtime(Duration.ofMinutes(1)), LocalCommandRunner.builder().root(root).build());
      default -> throw new IllegalArgumentException("route must be self, user, plain or lxc, got "
          + args[1]);
    }
    App app = App.builder().name(AppName.of("hangapp")).repoUrl(args[3])
        .repoType(App.RepoType.LOCAL).addBuildpacks(BuildFixture.local(Path.of(args[2]))).build();
    b.build().build(BuildRequest.builder().app(app).version(Version.of("dev"))
        .compileTimeout(Duration.ofMinutes(10)).build(), line -> {
          System.out.println(line);
          System.out.flush();
        });
  }
}
