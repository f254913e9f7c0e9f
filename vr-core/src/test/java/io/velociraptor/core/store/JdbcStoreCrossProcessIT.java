package io.velociraptor.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.testkit.PostgresCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's rules hold across processes sharing one PostgreSQL: a process killed with SIGKILL
 * while holding a run loses it (and its port locks) once its lease lapses, and eight processes
 * beginning runs and reserving ports for sixteen swarms at once all succeed with no port locked
 * twice.
 */
class JdbcStoreCrossProcessIT {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static PostgresCluster pg;
  private static int databases;

  @TempDir Path tmp;

  @BeforeAll
  static void startPostgres() {
    pg = PostgresCluster.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  /** A child JVM and the lines it printed. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Path log;

    Child(Path log, String... args) {
      this.log = log;
      this.process = ChildJvm.start(JdbcStoreChild.class, Map.of("VR_PG_PASSWORD", pg.password()), log, args);
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException e) {
          lines.add("read failed: " + e);
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    /** The next line, waiting up to 180 s; fails naming the child's log if it does not come. */
    String next(String what) throws Exception {
      String line = lines.poll(180, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError("child " + process.pid() + " printed no " + what + " within 180 s (alive: "
            + process.isAlive() + "); its log:\n" + stderr());
      }
      return line;
    }

    String stderr() throws IOException {
      return Files.exists(log) ? Files.readString(log) : "(none)";
    }

    void send(String line) throws IOException {
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  private static String newDatabase() {
    String url = pg.createDatabase("cross_" + (++databases));
    JdbcStore.builder().url(url).user(pg.user()).password(pg.password()).open().close();
    return url;
  }

  private static JdbcStore open(String url) {
    return JdbcStore.builder().url(url).user(pg.user()).password(pg.password()).staleAfter(LEASE).open();
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 120 s waiting for " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  @Test
  void aProcessKilledWhileHoldingARunLosesItAndItsPortLocksOnceItsLeaseLapses() throws Exception {
    String url = newDatabase();
    SwarmId swarm = SwarmId.of("killedab");
    try (JdbcStore store = open(url);
        Child holder = new Child(tmp.resolve("hold.log"), "hold", url, pg.user(), Long.toString(LEASE.toSeconds()),
            swarm.value())) {
      String line = holder.next("holding line");
      assertThat(line).as(holder.stderr()).startsWith("holding ");
      String runId = line.substring("holding ".length());
      SwarmRun begun = store.status(runId).orElseThrow();
      assertThat(begun.owner().host()).isEqualTo("machine-a");
      assertThat(store.portLocks()).extracting(PortLock::owner).containsOnly(runId).hasSize(3);
      // the child's store renews the lease from its own process
      await("the child to renew its run's lease", () -> store.status(runId).orElseThrow().updatedAt()
          .isAfter(begun.updatedAt()));

      holder.process.destroyForcibly(); // SIGKILL: no shutdown hook, no last write
      assertThat(holder.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      SwarmRun lastRenewed = store.status(runId).orElseThrow();

      await("the parent to reclaim the run", () -> store.tryBeginRun(swarm, "next", RunOwners.current())
          instanceof BeginRun.Started);
      SwarmRun dead = store.status(runId).orElseThrow();
      assertThat(dead.state()).isEqualTo(RunState.FAILED);
      assertThat(dead.failureReason().orElseThrow()).contains("abandoned").contains("over the TTL of PT3S");
      assertThat(dead.finishedAt().orElseThrow()).isAfter(lastRenewed.updatedAt().plus(LEASE));
      SwarmRun next = store.activeRun(swarm).orElseThrow();
      assertThat(store.reserve(JdbcStoreChild.HOST, List.of(Port.of(6000), Port.of(6001), Port.of(6002)), next.id()))
          .extracting(PortLock::owner).containsOnly(next.id());
    }
  }

  @Test
  void eightProcessesBeginningRunsForSixteenSwarmsAllSucceedAndNoPortIsLockedTwice() throws Exception {
    String url = newDatabase();
    List<Child> children = new ArrayList<>();
    Map<String, String> swarmOfRun = new TreeMap<>();
    Map<String, TreeSet<Integer>> portsOfRun = new TreeMap<>();
    try (JdbcStore store = open(url)) {
      for (int i = 0; i < 8; i++) {
        children.add(new Child(tmp.resolve("child-" + i + ".log"), "dispatch", url, pg.user(), "60",
            swarm(2 * i), swarm(2 * i + 1)));
      }
      for (Child c : children) {
        for (int k = 0; k < 2; k++) {
          String[] got = c.next("got line").split(" ");
          assertThat(got[0]).as(c.stderr()).isEqualTo("got");
          swarmOfRun.put(got[2], got[1]);
          TreeSet<Integer> ports = new TreeSet<>();
          for (String p : got[3].split(",")) {
            ports.add(Integer.parseInt(p));
          }
          portsOfRun.put(got[2], ports);
        }
        assertThat(c.next("ready line")).isEqualTo("ready");
      }
      assertThat(swarmOfRun).hasSize(16);
      assertThat(new TreeSet<>(swarmOfRun.values())).hasSize(16);
      // every run holds its swarm, and the locks are exactly what each process was granted
      Map<Integer, String> granted = new TreeMap<>();
      List<String> twice = new ArrayList<>();
      portsOfRun.forEach((run, ports) -> ports.forEach(p -> {
        String before = granted.put(p, run);
        if (before != null) {
          twice.add(p + " to " + before + " and " + run);
        }
      }));
      assertThat(twice).as("ports granted twice").isEmpty();
      assertThat(granted).hasSize(48);
      Map<Integer, String> locked = new TreeMap<>();
      store.portLocks().forEach(l -> locked.put(l.port().value(), l.owner()));
      assertThat(locked).isEqualTo(granted);
      swarmOfRun.forEach((run, swarm) ->
          assertThat(store.activeRun(SwarmId.of(swarm))).map(SwarmRun::id).contains(run));

      for (Child c : children) {
        c.send("finish");
      }
      for (Child c : children) {
        assertThat(c.next("done line")).isEqualTo("done");
        assertThat(c.process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(c.process.exitValue()).as(c.stderr()).isZero();
      }
      assertThat(store.portLocks()).isEmpty();
      swarmOfRun.forEach((run, swarm) ->
          assertThat(store.status(run)).map(SwarmRun::state).contains(RunState.DONE));
    } finally {
      children.forEach(Child::close);
    }
  }

  private static String swarm(int i) {
    return "swarm" + (char) ('a' + i / 8) + (char) ('a' + i % 8) + "x";
  }
}
