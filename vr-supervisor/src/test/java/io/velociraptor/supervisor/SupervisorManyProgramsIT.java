package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.ProgramSpec;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** One host with 500 programs: installed in bulk, observed, one updated, all removed. */
class SupervisorManyProgramsIT {
  private static final int N = 500;

  @Test
  void fiveHundredProgramsOnOneHostAreInstalledObservedAndRemoved() {
    try (SupervisordFixture f = SupervisordFixture.start();
        LocalCommandRunner runner = LocalCommandRunner.builder().root(f.dir()).build()) {
      Host host = Host.builder().name(HostName.of("big")).address("127.0.0.1").supervisorPort(f.port()).build();
      SupervisorEndpoints endpoints = SupervisorEndpoints.builder().credentials(f.username(), f.password())
          .readTimeout(Duration.ofSeconds(60)).build();
      try (SupervisorProcController controller = SupervisorProcController.builder().endpoints(endpoints)
              .commandRunners(h -> runner).includeDir(f.includeDir().toString()).build();
          SupervisorFleetObserver observer = SupervisorFleetObserver.builder().endpoints(endpoints)
              .deadline(Duration.ofSeconds(10)).build()) {
        List<ProgramSpec> specs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
          specs.add(ProgramSpec.builder().name(String.format("app-1.0-prod-abcdef12-web-%d-abcdefgh", 10000 + i))
              .argv("/bin/sleep", "100000").startSecs(0).stdoutLogfile("/dev/null").build());
        }
        controller.installAll(host, specs);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        List<ObservedProc> procs = controller.procs(host);
        while (procs.stream().filter(p -> p.state() == ProcState.RUNNING).count() < N) {
          assertThat(System.nanoTime()).as("all %d programs RUNNING", N).isLessThan(deadline);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
          procs = controller.procs(host);
        }
        assertThat(procs).hasSize(N).isSorted();
        assertThat(procs).allSatisfy(p -> assertThat(p.name().kind()).isEqualTo(ProcName.Kind.OURS));
        assertThat(procs.stream().map(p -> p.port().orElseThrow().value()).distinct()).hasSize(N);

        HostSnapshot snap = observer.observe(host);
        assertThat(snap.reachable()).isTrue();
        assertThat(snap.procs()).hasSize(N);

        ProgramSpec changed = specs.get(7).toBuilder().argv("/bin/sleep", "200000").build();
        controller.install(host, changed);
        controller.start(host, ProcName.parse(changed.name()));
        assertThat(f.client().getProcessInfo(changed.name()).state()).isEqualTo(ProcState.RUNNING);

        controller.removeAll(host, specs.stream().map(s -> ProcName.parse(s.name())).toList());
        assertThat(controller.procs(host)).isEmpty();
        assertThat(f.includeDir()).isEmptyDirectory();
      }
    }
  }
}
