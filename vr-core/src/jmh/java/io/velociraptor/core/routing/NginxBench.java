package io.velociraptor.core.routing;

import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.testing.NginxFixture;
import java.util.List;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a route change costs with a local nginx: one add (write, nginx -t, reload, confirm) plus
 * one remove, and reading a pool.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class NginxBench {
  private NginxFixture nginx;
  private LocalCommandRunner local;
  private NginxBalancer balancer;
  private final PoolName pool = PoolName.of("web");
  private final PoolMember a = PoolMember.of("127.0.0.1", Port.of(41001));
  private final PoolMember b = PoolMember.of("127.0.0.1", Port.of(41002));

  /** Starts a private nginx. */
  @Setup(Level.Trial)
  public void start() {
    nginx = NginxFixture.start("web");
    local = LocalCommandRunner.create();
    balancer = NginxBalancer.builder().name(BalancerName.of("bench")).addHost(nginx.host(local)).build();
    balancer.add(pool, List.of(a));
  }

  /** Stops it. */
  @TearDown(Level.Trial)
  public void stop() {
    local.close();
    nginx.close();
  }

  /** @return the pool after an add and a remove (two validated, confirmed reloads) */
  @Benchmark
  public SortedSet<PoolMember> addThenRemoveAMember() {
    balancer.add(pool, List.of(b));
    balancer.remove(pool, List.of(b));
    return balancer.members(pool);
  }

  /** @return the pool's members */
  @Benchmark
  public SortedSet<PoolMember> readAPool() {
    return balancer.members(pool);
  }
}
