package io.velociraptor.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.Version;
import org.junit.jupiter.api.Test;

/** What the runner is told to run: the Procfile's line, else the buildpack's default for the type. */
class ProcDataTest {
  static final Host HOST = Host.builder().name(HostName.of("h1")).address("10.0.0.1").portRange(PortRange.of(5000, 5100)).build();

  static ProcData procData(Build build) {
    Swarm swarm = DispatchWorld.swarm().build();
    return RunExecution.procData(swarm, HOST, Port.of(5001), Release.of(swarm, build));
  }

  static io.velociraptor.core.model.ImmutableBuild.Builder build() {
    return Build.builder().app(AppName.of("shop")).version(Version.of("v1")).status(BuildStatus.SUCCESS)
        .artifact("/var/lib/vr/artifacts/" + "1".repeat(64) + ".tar.gz").sha256("1".repeat(64));
  }

  @Test
  void aTypeInTheProcfileIsLookedUpByTheRunnerSoNoCmdIsSent() {
    ProcData p = procData(build().putProcfileTypes("web", "./serve").putReleaseProcessTypes("web", "bin/default").build());
    assertThat(p.procName()).contains("web");
    assertThat(p.cmd()).isEmpty();
  }

  @Test
  void aTypeOnlyTheBuildpackGivesIsSentAsTheCommand() {
    ProcData p = procData(build().putReleaseProcessTypes("web", "bin/vr-static-serve").putProcfileTypes("worker", "./w").build());
    assertThat(p.procName()).contains("web");
    assertThat(p.cmd()).contains("bin/vr-static-serve");
  }
}
