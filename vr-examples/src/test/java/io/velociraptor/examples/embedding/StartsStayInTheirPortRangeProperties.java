package io.velociraptor.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.plan.SwarmPlan;
import io.velociraptor.core.model.FleetBuilder;
import io.velociraptor.testkit.PlanCase;
import io.velociraptor.testkit.PlanGen;
import io.velociraptor.testkit.PlanInvariants;
import io.velociraptor.testkit.PlanSimulator;
import io.velociraptor.testkit.PropertyRunner;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Embedding example: a user's own property test of a planner rule, written with the generators,
 * invariants and simulator vr publishes in its test kit ({@code io.velociraptor:vr-testkit}, package
 * {@code io.velociraptor.testkit}). Add it as a test dependency and write rules like these.
 *
 * <p>A failure prints the property's name, the shrunk case and a replay line; rerun exactly that case with
 * {@code -Dvr.property.replay=<seed>:<size>} as printed.
 */
class StartsStayInTheirPortRangeProperties {

  /** Our rule: every new proc gets a port from its own host's range, and lands there when the plan is applied. */
  @Test
  void everyStartIsInItsHostsPortRangeAndLandsThereWhenApplied() {
    PropertyRunner.property("starts stay in their host's port range").cases(300).check(PlanGen.cases(), (PlanCase c) -> {
      SwarmPlan plan = c.plan();
      for (Start s : plan.starts()) {
        HostSnapshot host = c.fleet().hosts().stream().filter(h -> h.host().name().equals(s.host())).findFirst()
            .orElseThrow(() -> new AssertionError("start on a host the snapshot lacks: " + s));
        assertThat(host.host().portRange().contains(s.port().value()))
            .as("start %s within %s", s, host.host().portRange()).isTrue();
      }
      // the simulator applies the plan to the snapshot: every start is then a proc on its host, on its port
      FleetSnapshot after = PlanSimulator.apply(plan, c.fleet());
      for (Start s : plan.starts()) {
        assertThat(after.hosts().stream().filter(h -> h.host().name().equals(s.host()))
            .flatMap(h -> h.procs().stream()).filter(p -> p.name().equals(s.name())))
            .as("%s after applying %s", s, plan.summary()).singleElement()
            .satisfies(p -> assertThat(p.port()).contains(s.port()));
      }
      // and vr's own invariants hold too
      PlanInvariants.checkAll(c, plan, new SplittableRandom(c.hashCode()));
    });
  }

  /** The same rule on one hand-built fleet: a foreign program holds the first port of web1's range. */
  @Test
  void aForeignProgramsPortIsNeverHandedOut() {
    FleetSnapshot fleet = FleetBuilder.fleet().host("web1").range("web1", 5000, 5003).squad("prod", "web1")
        .foreign("web1", "nginx", 5000).proc("web1", "cron", ProcState.RUNNING).build();
    Swarm swarm = Swarm.builder().id(SwarmId.of("abcdefgh")).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("prod")).size(3).version(Version.of("1")).build();
    SwarmPlan plan = Planner.plan(DesiredSwarm.of(swarm, ReleaseHash.of("0123456789ab")), fleet, PlanPolicy.defaults());
    assertThat(plan.starts()).extracting(s -> s.port().value()).containsExactly(5001, 5002);
    assertThat(plan.unplaced()).isNotEmpty();
  }
}
