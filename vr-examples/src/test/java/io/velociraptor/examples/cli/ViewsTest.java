package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.store.RunOwners;
import java.time.Instant;
import java.util.List;
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
}
