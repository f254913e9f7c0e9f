package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.RunOwners;
import io.velociraptor.examples.cli.CliConfigFixture.Result;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI run in-process against a config whose only host's supervisord port has nothing
 * listening on it: what {@code procs}, {@code ports} and the error paths print, text and JSON.
 */
class UnreachableHostCliTest {
  @TempDir Path tmp;
  Path config;

  @BeforeEach
  void writeConfig() throws Exception {
    config = CliConfigFixture.in(tmp).deadSupervisorPort().portRange("20000-20010").localApp().write();
  }

  Result vr(String... args) {
    return CliConfigFixture.vr(config, args);
  }

  static Map<?, ?> map(String json) {
    return VrJson.readJson(json, Map.class);
  }

  @Test
  void procsJsonSaysTheHostIsUnreachableAsTheTextDoes() {
    Result text = vr("procs");
    assertThat(text.exit()).as(text.toString()).isZero();
    assertThat(text.out()).contains("host h1 is UNREACHABLE").contains("its procs are unknown");

    Result json = vr("--json", "procs");
    assertThat(json.exit()).as(json.toString()).isZero();
    Map<?, ?> m = map(json.out());
    assertThat((List<?>) m.get("procs")).isEmpty();
    Map<?, ?> h1 = (Map<?, ?>) ((List<?>) m.get("hosts")).get(0);
    assertThat(h1.get("host")).isEqualTo("h1");
    assertThat(h1.get("reachable")).isEqualTo(false);
    assertThat((String) h1.get("unreachable_reason")).isNotBlank();
  }

  @Test
  void portsGivesNoFreeCountForAnUnreachableHost() {
    Result text = vr("ports");
    assertThat(text.exit()).as(text.toString()).isZero();
    assertThat(text.out()).contains("host h1 is UNREACHABLE").contains("are unknown").doesNotContain("11 of range")
        .doesNotContain(" free\n");

    Result json = vr("ports", "--json");
    List<?> rows = VrJson.readJson(json.out(), List.class);
    Map<?, ?> summary = (Map<?, ?>) rows.get(rows.size() - 1);
    assertThat(summary.get("reachable")).isEqualTo(false);
    assertThat(summary.containsKey("free")).isTrue();
    assertThat(summary.get("free")).isNull();
    assertThat((String) summary.get("unreachable_reason")).isNotBlank();
  }

  @Test
  void aPortLockOfALiveRunWhoseOwnerDiedIsShownStale() throws Exception {
    Process p = new ProcessBuilder("true").start();
    var deadOwner = RunOwners.of(p.toHandle());
    p.waitFor();
    try (FileStore store = FileStore.open(tmp.resolve("store"))) {
      // the lock first: reserving reclaims stale runs, which would end the run before we look
      store.reserve(HostName.of("h1"), List.of(Port.of(20003)), "abcdefgh-000001");
      var begun = (BeginRun.Started) store.tryBeginRun(SwarmId.of("abcdefgh"), "t", deadOwner);
      assertThat(begun.run().id()).isEqualTo("abcdefgh-000001");
    }

    Result text = vr("ports");
    assertThat(text.out()).as(text.toString()).containsPattern("20003 .*abcdefgh-000001 \\(stale: owner gone\\)");
    List<?> rows = VrJson.readJson(vr("--json", "ports").out(), List.class);
    Map<?, ?> lock = (Map<?, ?>) rows.get(0);
    assertThat(lock.get("port")).isEqualTo(20003);
    assertThat((String) lock.get("lock_stale")).contains("has exited");
  }

  @Test
  void aLockOfALiveRunIsNotStale() throws Exception {
    try (FileStore store = FileStore.open(tmp.resolve("store"))) {
      store.reserve(HostName.of("h1"), List.of(Port.of(20003)), "abcdefgh-000001");
      store.tryBeginRun(SwarmId.of("abcdefgh"), "t", RunOwners.current());
    }
    assertThat(vr("ports").out()).contains("abcdefgh-000001").doesNotContain("stale");
  }
}
