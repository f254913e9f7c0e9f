package io.velociraptor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BalancerException;
import io.velociraptor.testkit.BalancerContract;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryBalancerContractTest extends BalancerContract {
  private final InMemoryBalancer balancer = InMemoryBalancer.of(BalancerName.of("test"));

  @Override
  protected Balancer balancer() {
    return balancer;
  }

  @Test
  void injectedFailuresChangeNothingAndThenStop() {
    PoolName pool = newPool();
    balancer.add(pool, List.of(member(1)));
    balancer.failNextChanges(1);
    assertThatThrownBy(() -> balancer.add(pool, List.of(member(2))))
        .isInstanceOf(BalancerException.class).hasMessageContaining("injected").hasMessageContaining(pool.value());
    assertThat(balancer.members(pool)).containsExactly(member(1));
    balancer.add(pool, List.of(member(2)));
    assertThat(balancer.members(pool)).containsExactly(member(1), member(2));
    assertThat(balancer.changes()).isEqualTo(2);
  }
}
