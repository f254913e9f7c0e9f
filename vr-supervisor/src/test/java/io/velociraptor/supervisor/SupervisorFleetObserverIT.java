package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.supervisor.testing.SilentServer;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SupervisorFleetObserverIT {

  private static Host host(String name, int port) {
    return Host.builder().name(HostName.of(name)).address("127.0.0.1").supervisorPort(port).build();
  }

  @Test
  void snapshotsReachableHostsAndMarksEveryKindOfFailureUnreachableWithItsReason() throws Exception {
    try (SupervisordFixture a = SupervisordFixture.start();
        SupervisordFixture b = SupervisordFixture.start();
        SilentServer silent = SilentServer.start()) {
      int refusedPort;
      try (ServerSocket s = new ServerSocket(0)) {
        refusedPort = s.getLocalPort();
      }
      a.writeInclude("web.conf", "[program:web-1.0-prod-abcdef12-web-5000-abcdefgh]\ncommand=/bin/sleep 1000\n"
          + "startsecs=0\n[program:cron]\ncommand=/bin/sleep 1000\nautostart=false\n");
      a.client().reloadConfig();
      a.client().addProcessGroup("web-1.0-prod-abcdef12-web-5000-abcdefgh");
      a.client().addProcessGroup("cron");

      SupervisorEndpoints endpoints = SupervisorEndpoints.builder().credentials(a.username(), a.password())
          .override(HostName.of("host-b"), b.endpoint().toBuilder().label("host-b").build())
          .override(HostName.of("host-badauth"), b.endpoint().toBuilder().label("host-badauth")
              .credentials("vr", "wrong").build())
          .build();
      List<Host> hosts = List.of(host("host-silent", silent.port()), host("host-a", a.port()),
          host("host-refused", refusedPort), host("host-b", 1), host("host-badauth", 1), host("host-a", a.port()));
      try (SupervisorFleetObserver observer = SupervisorFleetObserver.builder().endpoints(endpoints)
          .deadline(Duration.ofMillis(2000)).build()) {
        long t0 = System.nanoTime();
        List<HostSnapshot> snap = observer.observe(hosts);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(snap).extracting(s -> s.host().name().value())
            .containsExactly("host-a", "host-b", "host-badauth", "host-refused", "host-silent");
        HostSnapshot ha = snap.get(0);
        assertThat(ha.reachable()).isTrue();
        assertThat(ha.procs()).extracting(p -> p.name().format())
            .containsExactly("cron", "web-1.0-prod-abcdef12-web-5000-abcdefgh");
        ObservedProc web = ha.procs().get(1);
        assertThat(web.name()).isInstanceOf(ProcName.Ours.class);
        assertThat(web.port()).map(p -> p.value()).contains(5000);
        assertThat(ha.procs().get(0).state()).isEqualTo(ProcState.STOPPED);
        assertThat(snap.get(1).reachable()).isTrue();
        assertThat(snap.get(1).procs()).isEmpty();
        assertThat(snap.get(2).reachable()).isFalse();
        // each reason says what happened once: the plan prints "unreachable HOST: <reason>"
        assertThat(snap.get(2).unreachableReason()).hasValueSatisfying(r -> assertThat(r)
            .startsWith("supervisor on host-badauth refused the credentials"));
        assertThat(snap.get(3).unreachableReason()).hasValueSatisfying(r -> assertThat(r)
            .startsWith("cannot reach supervisor on host-refused: connection refused"));
        assertThat(snap.get(4).unreachableReason()).hasValueSatisfying(r -> assertThat(r)
            .startsWith("supervisor on").contains("did not answer within"));
        // the silent host costs its deadline once, not once per call, and the others run meanwhile
        // (a second call would make it 4 s; the margin is for a loaded machine)
        assertThat(took).isLessThan(Duration.ofMillis(3900));
        assertThat(silent.accepted()).isPositive();
      }
    }
  }
}
