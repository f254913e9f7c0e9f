package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BalancerException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Balancer} must do, run against the in-memory and the nginx balancer. The
 * subclass supplies the balancer; each test uses pools of its own (from {@link #newPool()}), so
 * the balancer may be shared and may hold other pools.
 *
 * <p>Test dependencies: JUnit Jupiter (this is a JUnit test class: extend it) and AssertJ; the
 * test-jar does not bring them (see docs/embedding.md).
 */
public abstract class BalancerContract {
  private static final AtomicInteger POOLS = new AtomicInteger();

  /** The balancer under test. */
  protected abstract Balancer balancer();

  /** A pool name no other test uses. */
  protected PoolName newPool() {
    return PoolName.of("contract_" + getClass().getSimpleName().toLowerCase() + "_" + POOLS.incrementAndGet());
  }

  /**
   * A pool member on 127.0.0.1, port 41000 + {@code i}.
   *
   * @param i any number
   * @return a member the balancer accepts (on 127.0.0.1, so nginx can resolve it)
   */
  protected static PoolMember member(int i) {
    return PoolMember.of("127.0.0.1", Port.of(41000 + i));
  }

  @Test
  void aPoolNoOneAddedToHasNoMembersAndIsNotListed() {
    PoolName pool = newPool();
    assertThat(balancer().members(pool)).isEmpty();
    assertThat(balancer().pools()).doesNotContain(pool);
  }

  @Test
  void addedMembersAreListedSortedAndMakeThePoolExist() {
    PoolName pool = newPool();
    balancer().add(pool, List.of(member(3), member(1)));
    balancer().add(pool, List.of(member(2)));
    assertThat(balancer().members(pool)).containsExactly(member(1), member(2), member(3));
    assertThat(balancer().pools()).contains(pool);
  }

  @Test
  void addingMembersAlreadyThereChangesNothing() {
    PoolName pool = newPool();
    balancer().add(pool, List.of(member(1), member(2)));
    balancer().add(pool, List.of(member(2), member(1)));
    balancer().add(pool, List.of());
    assertThat(balancer().members(pool)).containsExactly(member(1), member(2));
  }

  @Test
  void removingMembersThatAreNotThereOrFromAMissingPoolIsHarmless() {
    PoolName pool = newPool();
    balancer().remove(pool, List.of(member(1)));
    assertThat(balancer().members(pool)).isEmpty();
    assertThat(balancer().pools()).doesNotContain(pool);
    balancer().add(pool, List.of(member(1), member(2)));
    balancer().remove(pool, List.of(member(3)));
    balancer().remove(pool, List.of(member(1)));
    balancer().remove(pool, List.of(member(1)));
    assertThat(balancer().members(pool)).containsExactly(member(2));
  }

  @Test
  void removingTheLastMemberDeletesThePool() {
    PoolName pool = newPool();
    balancer().add(pool, List.of(member(1), member(2)));
    balancer().remove(pool, List.of(member(1), member(2)));
    assertThat(balancer().members(pool)).isEmpty();
    assertThat(balancer().pools()).doesNotContain(pool);
    balancer().add(pool, List.of(member(4)));
    assertThat(balancer().members(pool)).containsExactly(member(4));
  }

  @Test
  void poolsAreIndependent() {
    PoolName a = newPool();
    PoolName b = newPool();
    balancer().add(a, List.of(member(1)));
    balancer().add(b, List.of(member(2)));
    balancer().remove(a, List.of(member(2)));
    assertThat(balancer().members(a)).containsExactly(member(1));
    assertThat(balancer().members(b)).containsExactly(member(2));
  }

  @Test
  void ipv6MembersAreKeptInBracketsSoTheyReadBackAsAdded() {
    PoolName pool = newPool();
    balancer().add(pool, List.of(PoolMember.of("::1", Port.of(8080))));
    assertThat(balancer().members(pool)).extracting(PoolMember::format).containsExactly("[::1]:8080");
    balancer().remove(pool, List.of(PoolMember.parse("[::1]:8080")));
    assertThat(balancer().members(pool)).isEmpty();
  }

  @Test
  void hostilePoolNamesAreRefusedByTheModelOrTheBalancer() {
    for (String hostile : List.of("a;b", "a b", "a/b", "../x", "$x", "a{b", "a}b", "a#b", "a\nb", "-x", "")) {
      assertThatThrownBy(() -> PoolName.of(hostile)).as(hostile).isInstanceOf(InvalidValueException.class);
    }
    for (String hidden : List.of(".x", "..", ".")) {
      assertThatThrownBy(() -> balancer().add(PoolName.of(hidden), List.of(member(1))))
          .as(hidden).isInstanceOf(BalancerException.class).hasMessageContaining("'.'");
      assertThat(balancer().pools()).doesNotContain(PoolName.of(hidden));
    }
  }

  @Test
  void unsafeMemberAddressesAreRefusedBeforeAnythingChanges() {
    PoolName pool = newPool();
    balancer().add(pool, List.of(member(1)));
    for (String address : List.of("a\"b", "a'b", "a$b", "a\\b", "[host]", "a:b:zz", "bad..name", "-lead")) {
      assertThatThrownBy(() -> balancer().add(pool, List.of(member(2), PoolMember.of(address, Port.of(80)))))
          .as(address).isInstanceOf(BalancerException.class).hasMessageContaining("refused member");
    }
    assertThat(balancer().members(pool)).containsExactly(member(1));
  }

  @Test
  void concurrentChangesFromThreadsAreNotLost() throws Exception {
    PoolName pool = newPool();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int base = t * 10;
        futures.add(threads.submit(() -> {
          go.await();
          balancer().add(pool, List.of(member(base + 1), member(base + 2)));
          balancer().add(pool, List.of(member(base + 3)));
          balancer().remove(pool, List.of(member(base + 2)));
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(balancer().members(pool)).containsExactly(
        member(1), member(3), member(11), member(13), member(21), member(23), member(31), member(33));
  }
}
