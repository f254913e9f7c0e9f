package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ViewsTest {
  @Test
  void aLiveRunWhoseOwnerDiedIsShownStale() throws Exception {
    Process p = new ProcessBuilder("true").start();
    SwarmRun.Owner owner = RunOwners.of(p.toHandle());
    p.waitFor();
    SwarmRun run = SwarmRun.begin("abcdefgh-000001", SwarmId.of("abcdefgh"), "t", owner, Instant.now());
    var rows = Views.runRows(List.of(run));
    assertThat((String) rows.get(0).get("stale")).contains("has exited");
    assertThat(Views.runTable(rows)).contains("(stale: owner gone)");
  }

  @Test
  void procsTextAndJsonNameTheSameHosts() {
    Host h1 = Host.builder().name(HostName.of("h1")).address("127.0.0.1").build();
    Host h2 = Host.builder().name(HostName.of("h2")).address("127.0.0.2").build();
    FleetSnapshot snap = FleetSnapshot.builder()
        .hosts(List.of(HostSnapshot.reachable(h1, List.of()), HostSnapshot.unreachable(h2, "connection refused"))).build();

    var onlyH1 = Optional.of("h1");
    assertThat(Views.procTable(snap, onlyH1, List.of())).doesNotContain("h2");
    assertThat((List<?>) Views.procsJson(snap, onlyH1, List.of()).get("hosts")).hasSize(1);

    assertThat(Views.procTable(snap, Optional.empty(), List.of())).contains("host h2 is UNREACHABLE: connection refused");
    assertThat(Views.procsJson(snap, Optional.empty(), List.of()).get("hosts"))
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).containsExactly(hostRow("h1", true, null), hostRow("h2", false, "connection refused"));
  }

  private static Map<String, Object> hostRow(String host, boolean reachable, String reason) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("host", host);
    m.put("reachable", reachable);
    m.put("unreachable_reason", reason);
    return m;
  }
}
