package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.supervisor.ProcessInfo;
import io.velociraptor.supervisor.SupervisorClient;
import io.velociraptor.supervisor.SupervisorEndpoints;
import io.velociraptor.testkit.PostgresCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Eight real {@code vr dispatch} processes at once, one PostgreSQL store, one host: 16 swarms
 * (each worker dispatches two, one after the other) all land, none waits on a retry in the test,
 * no run is left live, and no port is handed out twice. That the database's port-lock
 * reservation is atomic across processes is what keeps two dispatchers from picking the same free
 * port; each port is checked to be listened on by the very Supervisor program vr says owns it.
 */
class ConcurrentDispatchPostgresIT {
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static final int WORKERS = 8;
  static final int SWARMS = 16;
  static Path dir;
  static PostgresCluster pg;
  static PrivateSupervisords supervisors;
  static SupervisorClient h1;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-pg-concurrent-it-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    pg = PostgresCluster.start();
    int base = io.velociraptor.examples.ExampleFiles.freePortBlock(40);
    supervisors = PrivateSupervisords.start(dir.resolve("sup"), List.of(
        Host.builder().name(HostName.of("h1")).address("127.0.0.1").portRange(PortRange.of(base, base + 40)).build()));
    Host host = supervisors.hosts().get(0);
    h1 = SupervisorClient.of(SupervisorEndpoints.builder().credentials("vr", supervisors.password).build().forHost(host));
    Files.writeString(dir.resolve("pg.pass"), pg.password() + "\n");
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: local\n"
        + "store:\n  type: postgres\n  url: " + pg.jdbcUrl() + "\n  user: " + pg.user() + "\n  password_file: pg.pass\n"
        + "runner:\n  root: " + dir.resolve("apps") + "\n"
        + "supervisor:\n  username: vr\n  password: " + supervisors.password + "\n"
        + "hosts:\n  - name: h1\n    address: 127.0.0.1\n    supervisor_port: " + host.supervisorPort()
        + "\n    port_range: " + base + "-" + (base + 40) + "\n    include_dir: " + dir.resolve("sup/h1/conf.d") + "\n"
        + "squads:\n  - name: s\n    hosts: [h1]\n"
        + "apps:\n  - name: site\n    repo_type: local\n    repo_url: " + EXAMPLES.resolve("apps/static-site") + "\n"
        + "    buildpacks: [" + EXAMPLES.resolve("buildpacks/static") + "]\n");
    for (int i = 0; i < SWARMS; i++) {
      Files.writeString(dir.resolve(swarmFile(i)), "app: site\nversion: '1'\nconfig: " + config(i)
          + "\nproc: web\nsquad: s\nsize: 1\n");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (h1 != null) {
        h1.close();
      }
      if (supervisors != null) {
        supervisors.close();
      }
    } finally {
      try {
        if (pg != null) {
          pg.close();
        }
      } finally {
        FileTrees.deleteTree(dir);
      }
    }
  }

  static String config(int i) {
    return String.format("c%02d", i);
  }

  static String swarmFile(int i) {
    return "swarm-" + config(i) + ".yaml";
  }

  @Test
  void eightProcessesDispatchSixteenSwarmsOntoOneHostWithoutSharingAPort() throws Exception {
    // the build first, so that what races below is the dispatch (runs, port locks, procs)
    VrJar.Result build = VrJar.run(dir, "build", "site", "1");
    assertThat(build.exit()).as(build.toString()).isZero();

    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<VrJar.Result>>> done = new ArrayList<>();
    try {
      for (int w = 0; w < WORKERS; w++) {
        int first = 2 * w;
        done.add(workers.submit(() -> {
          go.await();
          List<VrJar.Result> results = new ArrayList<>();
          for (int i = first; i < first + 2; i++) {
            results.add(VrJar.run(dir, Duration.ofMinutes(6), "dispatch", swarmFile(i)));
          }
          return results;
        }));
      }
      go.countDown();
      // every dispatch ends (each has its own deadline) before any is judged, so that a failed one
      // leaves no other running into the clean-up
      List<VrJar.Result> results = new ArrayList<>();
      for (Future<List<VrJar.Result>> f : done) {
        results.addAll(f.get(15, TimeUnit.MINUTES));
      }
      assertThat(results).hasSize(SWARMS).allSatisfy(r -> {
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains(": done (1 to start");
      });
    } finally {
      workers.shutdownNow();
      assertThat(workers.awaitTermination(7, TimeUnit.MINUTES)).as("every vr dispatch ended").isTrue();
    }

    // every swarm's last run succeeded and none is left live
    List<Map<String, Object>> runs = VrJson.json().readValue(VrJar.run(dir, "runs", "--json").out(),
        new com.fasterxml.jackson.core.type.TypeReference<List<Map<String, Object>>>() {});
    assertThat(runs).hasSize(SWARMS).allSatisfy(r -> assertThat(r).containsEntry("state", "done"));

    // 16 procs, 16 distinct ports, each listened on by the program that holds it
    Map<String, Object> procs = VrJson.json().readValue(VrJar.run(dir, "procs", "--json").out(),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rows = (List<Map<String, Object>>) procs.get("procs");
    assertThat(rows).hasSize(SWARMS).allSatisfy(r -> assertThat(r).containsEntry("state", "RUNNING"));
    Set<Object> ports = new HashSet<>();
    Set<Object> swarms = new HashSet<>();
    for (Map<String, Object> r : rows) {
      ports.add(r.get("port"));
      swarms.add(r.get("swarm_id"));
    }
    assertThat(ports).hasSize(SWARMS);
    assertThat(swarms).hasSize(SWARMS);

    Map<Integer, Long> listeners = listeningInodes();
    Map<String, Long> pidOf = new HashMap<>();
    for (ProcessInfo p : h1.getAllProcessInfo()) {
      pidOf.put(p.name(), p.pid().orElse(0));
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Map<Integer, String> owners = new TreeMap<>();
    for (Map<String, Object> r : rows) {
      String name = (String) r.get("name");
      int port = ((Number) r.get("port")).intValue();
      assertThat(pidOf).as("Supervisor's programs").containsKey(name);
      Long inode = listeners.get(port);
      assertThat(inode).as("a socket listening on port %d of %s", port, name).isNotNull();
      assertThat(holdsSocket(pidOf.get(name), inode)).as("%s (pid %d) listens on its port %d", name, pidOf.get(name), port)
          .isTrue();
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).as(name).isEqualTo(200);
      assertThat(page.body()).contains("Hello from a vr static site");
      owners.put(port, name);
    }
    assertThat(owners).hasSize(SWARMS);

    // the port locks say the same: one per port, each held by the proc that listens there
    String locks = VrJar.run(dir, "ports", "--json").out();
    for (Map.Entry<Integer, String> e : owners.entrySet()) {
      assertThat(locks).contains(e.getValue());
    }
  }

  /** @return the inode of each socket listening on a TCP port of this machine, by port */
  static Map<Integer, Long> listeningInodes() throws IOException {
    Map<Integer, Long> byPort = new HashMap<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path t = Path.of(table);
      if (!Files.exists(t)) {
        continue;
      }
      for (String line : Files.readAllLines(t).subList(1, Files.readAllLines(t).size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("0A")) {
          String local = f[1];
          int port = Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16);
          byPort.put(port, Long.parseLong(f[9]));
        }
      }
    }
    return byPort;
  }

  /** @return whether the process or one of its descendants has the socket open */
  static boolean holdsSocket(long pid, long inode) throws IOException {
    List<Long> pids = new ArrayList<>(List.of(pid));
    ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
    String want = "socket:[" + inode + "]";
    for (long p : pids) {
      Path fds = Path.of("/proc", Long.toString(p), "fd");
      if (!Files.isDirectory(fds)) {
        continue;
      }
      try (DirectoryStream<Path> s = Files.newDirectoryStream(fds)) {
        for (Path fd : s) {
          try {
            if (Files.readSymbolicLink(fd).toString().equals(want)) {
              return true;
            }
          } catch (IOException gone) {
            // an fd closed while listed
          }
        }
      } catch (IOException gone) {
        // the process ended while listed
      }
    }
    return false;
  }
}
