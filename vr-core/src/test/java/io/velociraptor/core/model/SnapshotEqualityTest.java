package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.VrJson;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Snapshots are values: equal exactly when every field is, and nothing listed twice is dropped. */
class SnapshotEqualityTest {
  private static final Host H1 = Host.of("h1");
  private static final Host H2 = Host.of("h2");
  private static final ProcName WEB = ProcName.parse("shop-v1-prod-abcdef12-web-5000-abcdefgh");

  private static ObservedProc web(ProcState state) {
    return ObservedProc.of(H1.name(), WEB, state);
  }

  @Test
  void aReachableHostDiffersFromTheSameHostUnreachable() {
    FleetSnapshot up = FleetSnapshot.builder().addHosts(HostSnapshot.reachable(H1, List.of())).build();
    FleetSnapshot down = FleetSnapshot.builder().addHosts(HostSnapshot.unreachable(H1, "refused")).build();
    assertThat(up).isNotEqualTo(down);
    assertThat(up.hosts()).isNotEqualTo(down.hosts());
  }

  @Test
  void aRunningProcDiffersFromTheSameProcFatalAndHashCodeAgreesWithEquals() {
    HostSnapshot running = HostSnapshot.reachable(H1, List.of(web(ProcState.RUNNING)));
    HostSnapshot fatal = HostSnapshot.reachable(H1, List.of(web(ProcState.FATAL)));
    assertThat(running).isNotEqualTo(fatal);
    assertThat(running.procs()).isNotEqualTo(fatal.procs());
    HostSnapshot again = HostSnapshot.reachable(H1, List.of(web(ProcState.RUNNING)));
    assertThat(running).isEqualTo(again).hasSameHashCodeAs(again);
    FleetSnapshot a = FleetSnapshot.builder().addHosts(running).build();
    FleetSnapshot b = FleetSnapshot.builder().addHosts(fatal).build();
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void differentPortLockOwnersMakeDifferentSnapshots() {
    FleetSnapshot a = FleetSnapshot.builder().addHosts(HostSnapshot.reachable(H1, List.of()))
        .addPortLocks(PortLock.of(H1.name(), Port.of(5000), "run-1")).build();
    FleetSnapshot b = FleetSnapshot.builder().addHosts(HostSnapshot.reachable(H1, List.of()))
        .addPortLocks(PortLock.of(H1.name(), Port.of(5000), "run-2")).build();
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void aHostListedTwiceIsAnErrorNamingTheHostEvenWhenBothAreIdentical() {
    assertThatThrownBy(() -> FleetSnapshot.builder()
        .addHosts(HostSnapshot.reachable(H1, List.of()), HostSnapshot.reachable(H1, List.of())).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("h1").hasMessageContaining("listed twice");
    assertThatThrownBy(() -> FleetSnapshot.builder()
        .addHosts(HostSnapshot.reachable(H1, List.of()), HostSnapshot.unreachable(H1, "refused")).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("h1");
  }

  @Test
  void aProcListedTwiceOnAHostIsAnErrorNamingTheProc() {
    assertThatThrownBy(() -> HostSnapshot.reachable(H1, List.of(web(ProcState.RUNNING), web(ProcState.FATAL))))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining(WEB.format()).hasMessageContaining("h1");
  }

  @Test
  void aPortLockedTwiceIsAnError() {
    assertThatThrownBy(() -> FleetSnapshot.builder().addHosts(HostSnapshot.reachable(H1, List.of()))
        .addPortLocks(PortLock.of(H1.name(), Port.of(5000), "run-1"), PortLock.of(H1.name(), Port.of(5000), "run-2"))
        .build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("5000").hasMessageContaining("listed twice");
  }

  @Test
  void hostsAndProcsAreSortedByNameWhateverTheInputOrder() {
    ProcName cron = ProcName.parse("cron");
    HostSnapshot h = HostSnapshot.reachable(H1, List.of(web(ProcState.RUNNING), ObservedProc.of(H1.name(), cron, ProcState.STOPPED)));
    assertThat(h.procs()).extracting(ObservedProc::name).containsExactly(cron, WEB);
    FleetSnapshot f = FleetSnapshot.builder().addHosts(HostSnapshot.reachable(H2, List.of()), h).build();
    assertThat(f.hosts()).extracting(s -> s.host().name().value()).containsExactly("h1", "h2");
    assertThat(f).isEqualTo(FleetSnapshot.builder().addHosts(h, HostSnapshot.reachable(H2, List.of())).build());
  }

  @Test
  void aJsonRoundTripKeepsEachHostsReachabilityAndEachProcsState() {
    FleetSnapshot f = FleetSnapshot.builder()
        .addHosts(HostSnapshot.reachable(H1, List.of(web(ProcState.FATAL))), HostSnapshot.unreachable(H2, "timed out"))
        .build();
    FleetSnapshot back = VrJson.readJson(VrJson.writeJson(f), FleetSnapshot.class);
    assertThat(back).isEqualTo(f);
    assertThat(back).isNotEqualTo(FleetSnapshot.builder()
        .addHosts(HostSnapshot.reachable(H1, List.of(web(ProcState.RUNNING))), HostSnapshot.unreachable(H2, "timed out"))
        .build());
  }
}
