package io.velociraptor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.testing.NginxFixture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Swapping a pool's members while a client hammers nginx fails no request. */
class NginxZeroDowntimeIT {

  @Test
  void swappingMembersBackAndForthUnderLoadFailsNoRequest() throws Exception {
    try (NginxFixture nginx = NginxFixture.start("web");
        LocalCommandRunner local = LocalCommandRunner.create();
        Backends backends = Backends.start(2)) {
      NginxBalancer balancer = NginxBalancer.builder().name(BalancerName.of("default"))
          .addHost(nginx.host(local)).build();
      PoolName web = PoolName.of("web");
      balancer.add(web, List.of(backends.member(0)));

      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger ok = new AtomicInteger();
      Map<String, Integer> failures = new ConcurrentHashMap<>();
      Thread client = new Thread(() -> {
        while (running.get()) {
          try {
            Backends.Response r = Backends.get(nginx.url("web"));
            if (r.status() == 200) {
              ok.incrementAndGet();
            } else {
              failures.merge("HTTP " + r.status(), 1, Integer::sum);
            }
          } catch (RuntimeException e) {
            failures.merge(e.toString(), 1, Integer::sum);
          }
        }
      }, "hammer");
      client.start();
      try {
        for (int i = 0; i < 10; i++) {
          int next = (i + 1) % 2;
          // the dispatcher's order: add the new member, then remove the old
          balancer.add(web, List.of(backends.member(next)));
          balancer.remove(web, List.of(backends.member(1 - next)));
          assertThat(Backends.get(nginx.url("web")).body()).isEqualTo(backends.port(next));
        }
      } finally {
        running.set(false);
        client.join(30_000);
      }
      assertThat(failures).as("failed requests out of %d", ok.get()).isEmpty();
      assertThat(ok.get()).isPositive();
    }
  }
}
