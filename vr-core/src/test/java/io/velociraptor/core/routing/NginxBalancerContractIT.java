package io.velociraptor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.remote.JschCommandRunner;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BalancerException;
import io.velociraptor.core.spi.Command;
import io.velociraptor.testkit.BalancerContract;
import io.velociraptor.core.testing.NginxFixture;
import io.velociraptor.core.testing.PrivateProcess;
import io.velociraptor.core.testing.SshdFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The balancer contract against real, private nginx servers, plus what only nginx can show:
 * traffic reaching members, empty pools, configurations nginx rejects, and two nginx hosts (one
 * reached over SSH) with rollback.
 */
class NginxBalancerContractIT extends BalancerContract {
  private static NginxFixture nginx;
  private static NginxFixture second;
  private static SshdFixture sshd;
  private static LocalCommandRunner local;
  private static JschCommandRunner ssh;
  private static Backends backends;
  private static NginxBalancer balancer;

  @BeforeAll
  static void start() {
    nginx = NginxFixture.start("web", "web2", "web3", "web4", "gone");
    second = NginxFixture.start("web", "web2", "web3", "web4", "gone");
    sshd = SshdFixture.start();
    local = LocalCommandRunner.create();
    ssh = JschCommandRunner.builder().host(sshd.host()).port(sshd.port()).user(sshd.user())
        .privateKey(sshd.clientKey()).knownHosts(sshd.knownHosts()).build();
    backends = Backends.start(3);
    balancer = single(nginx);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {backends, ssh, local, sshd, second, nginx}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private static NginxBalancer single(NginxFixture f) {
    return NginxBalancer.builder().name(BalancerName.of("default")).addHost(f.host(local)).build();
  }

  @Override
  protected Balancer balancer() {
    return balancer;
  }

  /** The backend ports that answered {@code n} requests through nginx; fails on any non-200. */
  private static Set<String> answering(NginxFixture f, String pool, int n) {
    Set<String> ports = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      Backends.Response r = Backends.get(f.url(pool));
      assertThat(r.status()).as("request %d to %s: %s", i, pool, r.body()).isEqualTo(200);
      ports.add(r.body());
    }
    return ports;
  }

  private static String file(NginxFixture f, String pool) throws Exception {
    return Files.readString(f.poolsDir().resolve(pool + ".conf"));
  }

  @Test
  void trafficReachesAddedMembersAndNoNewRequestReachesARemovedOneOnceTheCallReturns() {
    PoolName web = PoolName.of("web");
    balancer.add(web, List.of(backends.member(0), backends.member(1)));
    assertThat(answering(nginx, "web", 20)).containsExactlyInAnyOrder(backends.port(0), backends.port(1));

    balancer.add(web, List.of(backends.member(2)));
    balancer.remove(web, List.of(backends.member(0), backends.member(1)));
    // no settling time: the call returned only once nginx served the new configuration
    assertThat(answering(nginx, "web", 20)).containsExactly(backends.port(2));
  }

  @Test
  void anEmptiedPoolKeepsNginxValidServing502AndCanBeFilledAgain() throws Exception {
    PoolName pool = PoolName.of("web2");
    balancer.add(pool, List.of(backends.member(0)));
    assertThat(answering(nginx, "web2", 3)).containsExactly(backends.port(0));
    balancer.remove(pool, List.of(backends.member(0)));

    assertThat(Backends.get(nginx.url("web2")).status()).isEqualTo(502);
    assertThat(file(nginx, "web2")).contains("server 127.0.0.1:1 down;").doesNotContain(backends.port(0));
    assertThat(balancer.pools()).doesNotContain(pool);
    assertThat(local.run(Command.of("/usr/sbin/nginx", "-p", nginx.poolsDir().getParent().toString(), "-c",
        nginx.configFile().toString(), "-e", nginx.errorLog().toString(), "-t")).succeeded()).isTrue();

    balancer.add(pool, List.of(backends.member(1)));
    assertThat(answering(nginx, "web2", 3)).containsExactly(backends.port(1));
  }

  @Test
  void deletingTheFileOfAnEmptiedPoolThatNginxStillNamesIsRefusedAndUndone() throws Exception {
    NginxBalancer deleting = NginxBalancer.builder().name(BalancerName.of("default")).addHost(nginx.host(local))
        .emptyPool(NginxBalancer.EmptyPool.DELETE_FILE).build();
    PoolName unnamed = PoolName.of("unreferenced_pool");
    deleting.add(unnamed, List.of(backends.member(0)));
    deleting.remove(unnamed, List.of(backends.member(0)));
    assertThat(nginx.poolsDir().resolve("unreferenced_pool.conf")).doesNotExist();

    PoolName gone = PoolName.of("gone");
    deleting.add(gone, List.of(backends.member(0)));
    String before = file(nginx, "gone");
    assertThatThrownBy(() -> deleting.remove(gone, List.of(backends.member(0))))
        .isInstanceOfSatisfying(BalancerException.class, e -> assertThat(e.host()).contains("localhost"))
        .hasMessageContaining("nginx -t rejected").hasMessageContaining("host not found in upstream \"gone\"")
        .hasMessageContaining("previous pool file is back");
    assertThat(file(nginx, "gone")).isEqualTo(before);
    assertThat(answering(nginx, "gone", 3)).containsExactly(backends.port(0));
  }

  @Test
  void aChangeNginxRejectsLeavesThePreviousFileServing() throws Exception {
    PoolName pool = PoolName.of("web3");
    balancer.add(pool, List.of(backends.member(1)));
    String before = file(nginx, "web3");
    assertThatThrownBy(() -> balancer.add(pool, List.of(PoolMember.of("no-such-host.invalid", Port.of(80)))))
        .isInstanceOf(BalancerException.class)
        .hasMessageContaining("pool web3").hasMessageContaining("nginx -t rejected")
        .hasMessageContaining("no-such-host.invalid").hasMessageContaining("previous pool file is back");
    assertThat(file(nginx, "web3")).isEqualTo(before);
    assertThat(answering(nginx, "web3", 5)).containsExactly(backends.port(1));
    assertThat(balancer.members(pool)).containsExactly(backends.member(1));
  }

  @Test
  void twoHostsAreChangedInOrderAndTheFirstIsRolledBackWhenTheSecondFails() throws Exception {
    NginxBalancer both = NginxBalancer.builder().name(BalancerName.of("pair"))
        .addHost(nginx.host(local)).addHost(second.host(ssh)).build();
    PoolName pool = PoolName.of("web4");
    both.add(pool, List.of(backends.member(0)));
    assertThat(answering(nginx, "web4", 3)).containsExactly(backends.port(0));
    assertThat(answering(second, "web4", 3)).containsExactly(backends.port(0));

    // the operator breaks the second host's configuration
    Path broken = second.poolsDir().resolve("operator.conf");
    Files.writeString(broken, "upstream operator { server 127.0.0.1:80 weight=oops; }\n");
    try {
      String firstBefore = file(nginx, "web4");
      assertThatThrownBy(() -> both.add(pool, List.of(backends.member(1))))
          .isInstanceOfSatisfying(BalancerException.class, e -> assertThat(e.host()).contains(ssh.host()))
          .hasMessageContaining("nginx -t rejected").hasMessageContaining("rolled back localhost");
      assertThat(file(nginx, "web4")).isEqualTo(firstBefore);
      assertThat(answering(nginx, "web4", 10)).containsExactly(backends.port(0));
      assertThat(answering(second, "web4", 10)).containsExactly(backends.port(0));
    } finally {
      Files.delete(broken);
    }
    both.add(pool, List.of(backends.member(1)));
    assertThat(answering(nginx, "web4", 10)).containsExactlyInAnyOrder(backends.port(0), backends.port(1));
    assertThat(answering(second, "web4", 10)).containsExactlyInAnyOrder(backends.port(0), backends.port(1));
  }

  @Test
  void aPoolFileVrDidNotWriteIsNeverOverwritten() throws Exception {
    Path handMade = nginx.poolsDir().resolve("hand_made.conf");
    String text = "upstream hand_made {\n  server 127.0.0.1:9;\n  keepalive 4;\n}\n";
    Files.writeString(handMade, text);
    try {
      assertThatThrownBy(() -> balancer.add(PoolName.of("hand_made"), List.of(backends.member(0))))
          .isInstanceOf(BalancerException.class).hasMessageContaining("not written by vr");
      assertThat(Files.readString(handMade)).isEqualTo(text);
      assertThat(balancer.pools()).doesNotContain(PoolName.of("hand_made"));
    } finally {
      Files.delete(handMade);
    }
  }

  @Test
  void aStoppedNginxIsReportedByHostAndTheFileIsPutBack() throws Exception {
    try (NginxFixture doomed = NginxFixture.start("web")) {
      NginxBalancer b = single(doomed);
      // killed hard: the pid file stays behind, naming a dead master
      ProcessHandle master = ProcessHandle.of(Long.parseLong(Files.readString(doomed.pidFile()).strip())).orElseThrow();
      // the master first: killed after its worker, it could fork a new one that nobody stops
      List<ProcessHandle> all = new java.util.ArrayList<>(List.of(master));
      all.addAll(master.descendants().toList());
      all.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle p : all) {
        p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      }
      assertThat(PrivateProcess.accepts(doomed.port())).as("no nginx process is left listening").isFalse();
      assertThatThrownBy(() -> b.add(PoolName.of("web"), List.of(backends.member(0))))
          .isInstanceOfSatisfying(BalancerException.class, e -> assertThat(e.host()).contains("localhost"))
          .hasMessageContaining("master (pid " + master.pid() + " from").hasMessageContaining("is not running")
          .hasMessageContaining("previous pool file is back");
      assertThat(file(doomed, "web")).contains("server 127.0.0.1:1 down;").doesNotContain(backends.port(0));

      Files.delete(doomed.pidFile());
      assertThatThrownBy(() -> b.add(PoolName.of("web"), List.of(backends.member(0))))
          .isInstanceOf(BalancerException.class).hasMessageContaining("nginx is not running");
      assertThat(file(doomed, "web")).doesNotContain(backends.port(0));
    }
  }
}
