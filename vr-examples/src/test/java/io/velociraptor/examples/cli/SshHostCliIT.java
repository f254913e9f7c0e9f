package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.testing.SshdFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real jar against a fleet where one host is reached over SSH: h1 locally, h2 through a
 * private sshd (its config says {@code ssh: true}, so vr writes h2's program files and runs h2's
 * runner setups, teardowns and uptests over SSH), each with a private supervisord. Then the same
 * fleet with a known_hosts file that does not vouch for the sshd: vr refuses the host.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SshHostCliIT {
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static final String SWARM = "java_hello-s1-web";
  static Path dir;
  static SshdFixture sshd;
  static PrivateSupervisords supervisors;
  static String h2Proc;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-ssh-it-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    sshd = SshdFixture.start();
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(20);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 10)).build(),
        Host.builder().name(HostName.of("h2")).address("127.0.0.1").portRange(PortRange.of(base + 10, base + 20)).build()));
    Files.writeString(dir.resolve("vr.yaml"), config(sshd.knownHosts()));
    Files.writeString(dir.resolve("swarm.yaml"), "app: java_hello\nversion: '1'\nconfig: s1\nproc: web\nsquad: s\n"
        + "one_per_host: true\nenv:\n  PATH: " + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin\n");
  }

  /** The fleet's config, with SSH host keys checked against {@code knownHosts}. */
  static String config(Path knownHosts) {
    StringBuilder hosts = new StringBuilder();
    for (Host h : supervisors.hosts()) {
      hosts.append("  - name: ").append(h.name()).append("\n    address: 127.0.0.1\n    supervisor_port: ")
          .append(h.supervisorPort()).append("\n    port_range: ").append(h.portRange().start()).append('-')
          .append(h.portRange().endExclusive()).append("\n    include_dir: ")
          .append(dir.resolve("sup").resolve(h.name().value()).resolve("conf.d"))
          .append(h.name().value().equals("h2") ? "\n    ssh: true\n" : "\n");
    }
    return "store_dir: store\n"
        + "runner:\n  root: " + dir.resolve("apps") + "\n"
        + "supervisor:\n  username: vr\n  password: " + supervisors.password + "\n"
        + "ssh:\n  user: " + sshd.user() + "\n  port: " + sshd.port() + "\n  key_file: " + sshd.clientKey()
        + "\n  known_hosts: " + knownHosts + "\n  connect_timeout_seconds: 10\n"
        + "hosts:\n" + hosts
        + "squads:\n  - name: s\n    hosts: [h1, h2]\n"
        + "apps:\n  - name: java_hello\n    repo_type: local\n    repo_url: " + EXAMPLES.resolve("apps/java-hello") + "\n"
        + "    buildpacks: [" + EXAMPLES.resolve("buildpacks/java") + "]\n";
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (supervisors != null) {
        supervisors.close();
      }
    } finally {
      try {
        if (sshd != null) {
          sshd.close();
        }
      } finally {
        FileTrees.deleteTree(dir);
      }
    }
  }

  static VrJar.Result vr(String... args) throws Exception {
    return VrJar.run(dir, args);
  }

  /** @return the proc rows of {@code vr procs --json} (beside them: each host's reachability) */
  static List<Map<String, Object>> rows(String json) throws Exception {
    Map<String, List<Map<String, Object>>> m = VrJson.json().readValue(json,
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, List<Map<String, Object>>>>() {});
    assertThat(m.get("hosts")).allSatisfy(h -> assertThat(h).containsEntry("reachable", true));
    return m.get("procs");
  }

  @Test
  @Order(1)
  void dispatchStartsAProcOnTheSshHostThroughSsh() throws Exception {
    assertThat(vr("build", "java_hello", "1").exit()).isZero();
    int loginsBefore = sshd.acceptedConnections();
    VrJar.Result r = vr("dispatch", "swarm.yaml");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("uptests passed for").contains("on h1").contains("on h2").contains(": done (2 to start");
    assertThat(sshd.acceptedConnections()).as("vr logged in to h2's sshd").isGreaterThan(loginsBefore);
    List<String> programs;
    try (var s = Files.list(dir.resolve("sup/h2/conf.d"))) {
      programs = s.map(p -> p.getFileName().toString()).toList();
    }
    assertThat(programs).singleElement().asString().startsWith("java_hello-1-s1-").endsWith(".conf");
  }

  @Test
  @Order(2)
  void procsListsTheSshHostsProcRunning() throws Exception {
    VrJar.Result text = vr("procs");
    assertThat(text.exit()).as(text.toString()).isZero();
    assertThat(text.out().lines().filter(l -> l.startsWith("h2 ") && l.contains("RUNNING"))).hasSize(1);
    List<Map<String, Object>> h2 = rows(vr("procs", "--host", "h2", "--json").out());
    assertThat(h2).singleElement().satisfies(p -> assertThat(p).containsEntry("state", "RUNNING"));
    h2Proc = (String) h2.get(0).get("name");
  }

  @Test
  @Order(3)
  void procLogsAndRestartWorkOnTheSshHost() throws Exception {
    assertThat(vr("proc", "logs", "h2", h2Proc).out()).contains("listening on");
    VrJar.Result restart = vr("proc", "restart", "h2", h2Proc);
    assertThat(restart.exit()).as(restart.toString()).isZero();
    assertThat(restart.out()).contains("restarted " + h2Proc + " on h2");
  }

  @Test
  @Order(4)
  void anUnknownHostKeyIsRefusedWithOneLineNamingTheHost() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty_known_hosts"), "");
    Files.writeString(dir.resolve("stranger.yaml"), config(empty));
    VrJar.Result r = vr("--config", "stranger.yaml", "proc", "delete", "h2", h2Proc);
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.ERROR);
    List<String> err = r.err().lines().toList();
    assertThat(err).as(r.toString()).hasSize(2);
    assertThat(err.get(0)).startsWith("vr: error: ").contains(" on h2: unknown host [127.0.0.1]:" + sshd.port())
        .contains(sshd.hostKeyFingerprint()).contains(empty.toString());
    assertThat(err.get(1)).startsWith("hint: vr verifies every SSH host key");
    assertThat(dir.resolve("sup/h2/conf.d")).isNotEmptyDirectory();
  }

  @Test
  @Order(5)
  void aChangedHostKeyIsRefusedToo() throws Exception {
    // a known_hosts line for the sshd's address with some other key: what a man in the middle looks like
    String otherKey = Files.readString(Path.of(sshd.unauthorizedKey() + ".pub")).trim().split(" ")[1];
    Path wrong = Files.writeString(dir.resolve("wrong_known_hosts"), "[127.0.0.1]:" + sshd.port() + " ssh-ed25519 " + otherKey + "\n");
    Files.writeString(dir.resolve("wrong.yaml"), config(wrong));
    VrJar.Result r = vr("--config", "wrong.yaml", "proc", "delete", "h2", h2Proc);
    assertThat(r.exit()).as(r.toString()).isEqualTo(VrMain.ERROR);
    assertThat(r.err().lines().toList()).hasSize(2);
    assertThat(r.err()).startsWith("vr: error: ").contains(" on h2: the host key of [127.0.0.1]:" + sshd.port() + " has CHANGED");
  }

  @Test
  @Order(6)
  void procDeleteTearsDownTheSshHostsProcThroughSsh() throws Exception {
    assertThat(dir.resolve("apps/procs").resolve(h2Proc)).isDirectory();
    VrJar.Result r = vr("proc", "delete", "h2", h2Proc);
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(dir.resolve("apps/procs").resolve(h2Proc)).doesNotExist();
    assertThat(dir.resolve("sup/h2/conf.d")).isEmptyDirectory();
    assertThat(rows(vr("procs", "--host", "h2", "--json").out())).isEmpty();
  }

  @Test
  @Order(7)
  void reconcileRestartsItAndSwarmDeleteRetiresBothHosts() throws Exception {
    VrJar.Result again = vr("reconcile");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).contains("on h2").contains("1 to start");
    VrJar.Result r = vr("swarm", "delete", SWARM);
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(rows(vr("procs", "--json").out())).isEmpty();
    assertThat(dir.resolve("sup/h2/conf.d")).isEmptyDirectory();
    try (var s = Files.list(dir.resolve("apps/procs"))) {
      assertThat(s.toList()).isEmpty();
    }
  }
}
