package io.velociraptor.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.Version;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The plan's values refuse contradictions, naming the bad value. */
class PlanValuesTest {
  private static final ProcName.Ours NAME = (ProcName.Ours) ProcName.parse(PlannerTest.current(5000));
  private static final HostName H1 = HostName.of("h1");

  @Test
  void aStartWhosePortIsNotTheOneInItsNameIsRefused() {
    assertThatThrownBy(() -> new Start(H1, Port.of(5001), NAME, StartReason.MISSING, Optional.empty()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("\"5001\"").hasMessageContaining(NAME.format());
  }

  @Test
  void aReplacementMustNameTheProcItReplacesAndOnlyAReplacementMay() {
    assertThatThrownBy(() -> new Start(H1, Port.of(5000), NAME, StartReason.REPLACEMENT, Optional.empty()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("REPLACEMENT");
    assertThatThrownBy(() -> new Start(H1, Port.of(5000), NAME, StartReason.MISSING, Optional.of(ProcRef.of(H1, NAME))))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("MISSING");
  }

  @Test
  void anUnplacedEntryCountsAtLeastOneProc() {
    assertThatThrownBy(() -> new Unplaced(0, UnplacedReason.PORTS_EXHAUSTED, Optional.empty(), "x"))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("\"0\"");
  }

  @Test
  void aPolicyListingAPoolTwiceIsRefused() {
    PoolState pool = PoolState.builder().balancer(BalancerName.of("lb")).pool(PoolName.of("web")).build();
    assertThatThrownBy(() -> PlanPolicy.builder().addPools(pool, pool).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("\"lb/web\"");
  }

  @Test
  void aDesiredSwarmFromAReleaseOfAnotherVersionIsRefused() {
    Swarm swarm = PlannerTest.swarm().build();
    Build build = Build.builder().app(AppName.of("shop")).version(Version.of("v1")).status(BuildStatus.SUCCESS)
        .sha256("0".repeat(64)).build();
    Release release = Release.builder().build(build).build();
    assertThatThrownBy(() -> DesiredSwarm.of(swarm, release))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("shop-v1").hasMessageContaining("shop-v2");
    Release current = Release.builder().build(Build.builder().from(build).version(Version.of("v2")).build()).build();
    assertThat(DesiredSwarm.of(swarm, current).releaseHash()).isEqualTo(current.hash());
  }
}
