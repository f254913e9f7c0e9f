package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.VrJson;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SwarmRunTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final SwarmRun.Owner OWNER = new SwarmRun.Owner("vm", "boot-1", 42, Optional.of(T0));

  @Test
  void runStatesMoveOnlyForwardAndFinishedStatesNeverMove() {
    assertThat(RunState.PENDING.canMoveTo(RunState.ROUTING)).isTrue();
    assertThat(RunState.ROUTING.canMoveTo(RunState.ROUTING)).isTrue();
    assertThat(RunState.ROUTING.canMoveTo(RunState.DEPLOYING)).isFalse();
    assertThat(RunState.CLEANING.canMoveTo(RunState.FAILED)).isTrue();
    for (RunState s : RunState.values()) {
      assertThat(RunState.DONE.canMoveTo(s)).isFalse();
      assertThat(RunState.FAILED.canMoveTo(s)).isFalse();
    }
  }

  @Test
  void aPausedRunResumesInAnyStateAndOnlyAPausedRunResumes() {
    assertThat(RunState.ROUTING.canMoveTo(RunState.CANARY)).isTrue();
    assertThat(RunState.CANARY.canMoveTo(RunState.DEPLOYING)).isTrue();
    assertThat(RunState.CANARY.canMoveTo(RunState.CLEANING)).isTrue();
    assertThat(RunState.CANARY.canMoveTo(RunState.PENDING)).isTrue();
    assertThat(RunState.REVERTED.isTerminal()).isTrue();
    assertThat(RunState.REVERTED.canMoveTo(RunState.DONE)).isFalse();
    assertThat(RunState.CANARY.isPaused()).isTrue();
    assertThat(RunState.ROUTING.isPaused()).isFalse();
    SwarmRun.Owner other = new SwarmRun.Owner("laptop", "boot-2", 7, Optional.empty());
    SwarmRun paused = SwarmRun.begin("r1", SwarmId.of("abcdefgh"), "t", OWNER, T0)
        .withState(RunState.ROUTING, "routing", T0).withState(RunState.CANARY, "paused", T0.plusSeconds(1));
    SwarmRun resumed = paused.resumedBy(other, RunState.DEPLOYING, "promoted", T0.plusSeconds(2));
    assertThat(resumed.owner()).isEqualTo(other);
    assertThat(resumed.state()).isEqualTo(RunState.DEPLOYING);
    assertThatThrownBy(() -> resumed.resumedBy(other, RunState.DEPLOYING, "again", T0.plusSeconds(3)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("r1").hasMessageContaining("not paused");
  }

  @Test
  void runStatesSerializeInLowercaseAndParseAnyCase() {
    assertThat(VrJson.writeJson(RunState.UPTESTING)).isEqualTo("\"uptesting\"");
    assertThat(RunState.parse("Cleaning")).isEqualTo(RunState.CLEANING);
    assertThatThrownBy(() -> RunState.parse("releasing")).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("releasing");
  }

  @Test
  void aRunRoundTripsThroughJsonWithSnakeCaseKeys() {
    SwarmRun run = SwarmRun.begin("abcdefgh-000001", SwarmId.of("abcdefgh"), "trace", OWNER, T0)
        .withPlan("{\"a\":1}", T0.plusSeconds(1))
        .withStep(RunStep.builder().name("uptest").host(HostName.of("h1")).outcome(RunStep.Outcome.FAILED)
            .detail("HTTP 500\nbody").startedAt(T0).duration(Duration.ofMillis(5)).build(), T0.plusSeconds(2))
        .withState(RunState.FAILED, "uptest failed", T0.plusSeconds(3));
    String json = VrJson.writeJson(run);
    assertThat(json).contains("\"swarm_id\"", "\"failure_reason\"", "\"process_started_at\"", "\"boot_id\"",
        "\"finished_at\"", "\"state\" : \"failed\"", "\"outcome\" : \"failed\"");
    assertThat(VrJson.readJson(json, SwarmRun.class)).isEqualTo(run);
  }

  @Test
  void failingRecordsTheReasonAndFinishingTheTime() {
    SwarmRun run = SwarmRun.begin("r1", SwarmId.of("abcdefgh"), "t", OWNER, T0);
    SwarmRun failed = run.withState(RunState.FAILED, "no host reachable", T0.plusSeconds(9));
    assertThat(failed.failureReason()).contains("no host reachable");
    assertThat(failed.finishedAt()).contains(T0.plusSeconds(9));
    assertThat(failed.history()).extracting(SwarmRun.Transition::state).containsExactly(RunState.PENDING, RunState.FAILED);
    assertThatThrownBy(() -> failed.withHeartbeat(T0.plusSeconds(10)))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("r1").hasMessageContaining("finished");
  }

  @Test
  void badRunIdsAndOwnersAreRefusedByName() {
    assertThatThrownBy(() -> SwarmRun.begin("../x", SwarmId.of("abcdefgh"), "t", OWNER, T0))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("run id").hasMessageContaining("../x");
    assertThatThrownBy(() -> new SwarmRun.Owner("vm", "b", 0, Optional.empty()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("pid");
    assertThatThrownBy(() -> RunStep.of("bad name!", RunStep.Outcome.OK, T0))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("bad name!");
  }
}
