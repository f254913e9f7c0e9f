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

  @Test
  void aMultiLineFailureIsItsFirstLineInTheRunsTableAndWholeInTheRows() {
    SwarmRun run = SwarmRun.begin("abcdefgh-000001", SwarmId.of("abcdefgh"), "t", RunOwners.current(), Instant.now())
        .withState(io.velociraptor.core.model.RunState.FAILED, "uptest failed on h1:\n  http_ok: exit 1\n  curl: (7) refused",
            Instant.now());
    var rows = Views.runRows(List.of(run));
    String table = Views.runTable(rows);
    assertThat(table.lines()).hasSize(2);
    assertThat(table).contains("uptest failed on h1: \u2026").doesNotContain("curl");
    assertThat((String) rows.get(0).get("failure_reason")).contains("curl: (7) refused");
  }

  @Test
  void aRunsProgressSaysBuildingAndDoneOnceEach() {
    Instant t = Instant.now();
    String id = "abcdefgh-000001";
    List<io.velociraptor.core.deploy.DispatchEvent> events = List.of(
        new io.velociraptor.core.deploy.DispatchEvent.StateChanged(id, t, io.velociraptor.core.model.RunState.BUILDING,
            "building app1 1"),
        new io.velociraptor.core.deploy.DispatchEvent.BuildStarted(id, t, "app1", "1"),
        new io.velociraptor.core.deploy.DispatchEvent.StateChanged(id, t, io.velociraptor.core.model.RunState.DONE,
            "1 started"),
        new io.velociraptor.core.deploy.DispatchEvent.RunDone(id, t, "1 started"));
    List<String> lines = events.stream().flatMap(e -> Views.progress(e).stream()).toList();
    assertThat(lines).containsExactly("building app1 1", "done: 1 started");
  }

  @Test
  void runShowPrintsAnUptestStepsTestsInFullBelowTheTable() {
    Instant t = Instant.now();
    String detail = "1 of 2 test(s) failed\nhttp_ok: exit 7 after 41 ms\n  | curl: (7) connection refused";
    SwarmRun run = SwarmRun.begin("abcdefgh-000001", SwarmId.of("abcdefgh"), "t", RunOwners.current(), t)
        .withStep(io.velociraptor.core.model.RunStep.builder().name("uptest")
            .host(io.velociraptor.core.model.HostName.of("h1")).target("app-1-c-h-web-5000-abcdefgh")
            .outcome(io.velociraptor.core.model.RunStep.Outcome.FAILED).startedAt(t)
            .duration(java.time.Duration.ofMillis(41)).detail(detail).build(), t);
    String shown = Views.runShow(run);
    assertThat(shown).contains("uptest  h1    app-1-c-h-web-5000-abcdefgh  failed   1 of 2 test(s) failed \u2026")
        .contains("uptest on h1 app-1-c-h-web-5000-abcdefgh:\n  1 of 2 test(s) failed\n  http_ok: exit 7 after 41 ms\n"
            + "    | curl: (7) connection refused\n");
  }
}
