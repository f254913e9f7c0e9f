package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.FleetConfig;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.plan.Start;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.UptestResult;
import io.velociraptor.core.store.InMemoryStore;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thirty procs of one swarm on one host (a private supervisord) dispatched with
 * {@code perHostParallelism(8)}: real Supervisor programs, each an HTTP server on its own port in
 * its own directory, set up, started, uptested, stopped and torn down several at a time.
 */
class PerHostParallelDispatchIT {
  private static final int SIZE = 30;
  private static final int PER_HOST = 8;
  /** How long an uptest waits for a second one to run beside it: only a serial dispatch waits it out. */
  private static final Duration OVERLAP_DEADLINE = Duration.ofSeconds(60);

  @TempDir Path root;

  @Test
  void thirtyProcsOnOneHostAreWorkedOnAtMostEightAtOnceAndAFailedSetupAmongThemIsNamedAndNothingIsLeft()
      throws Exception {
    try (SupervisordFixture supervisord = SupervisordFixture.start(); World w = new World(supervisord, root, PER_HOST)) {
      Swarm v1 = swarm("v1");
      long t0 = System.nanoTime();
      DispatchResult first = w.dispatcher.dispatch(v1);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      System.out.println("[measure] dispatch of " + SIZE + " procs on one host, perHostParallelism " + PER_HOST + ": "
          + tookMs + " ms");

      assertThat(first.run().state()).as("%s", first.run().failureReason()).isEqualTo(RunState.DONE);
      assertThat(first.confirmed()).isTrue();
      List<String> programs = w.programs(ProcState.RUNNING);
      assertThat(programs).hasSize(SIZE);
      assertThat(programs.stream().map(p -> ProcName.parse(p).port().orElseThrow()).distinct()).hasSize(SIZE);
      assertThat(w.runtime.dirs()).containsExactlyElementsOf(programs);
      for (String p : programs) {
        // each answers on its own port, from its own directory
        int port = ProcName.parse(p).port().orElseThrow().value();
        assertThat(DirRuntime.get(port)).isEqualTo(p);
      }
      // at least two at once (else the first uptest waited out its deadline and failed), never more than 8
      assertThat(w.runtime.uptests.max()).isBetween(2, PER_HOST);
      assertThat(w.runtime.setups.max()).isBetween(1, PER_HOST);
      assertThat(first.run().steps()).filteredOn(s -> s.name().equals("start")).hasSize(SIZE)
          .allSatisfy(s -> assertThat(s.host()).contains(HostName.of("h1")));
      assertThat(first.run().steps()).filteredOn(s -> s.name().equals("uptest")).hasSize(SIZE);

      // v2: one setup among the thirty fails, deterministically (the 13th planned start's port)
      Swarm v2 = swarm("v2");
      List<Start> planned = w.dispatcher.plan(v2).starts();
      assertThat(planned).hasSize(SIZE);
      Start doomed = planned.get(12);
      w.runtime.failSetupOf(d -> d.programName().equals(doomed.name().format()));
      w.events.clear();
      DispatchResult second = w.dispatcher.dispatch(v2);

      assertThat(second.run().state()).isEqualTo(RunState.FAILED);
      assertThat(second.run().failureReason()).hasValueSatisfying(r -> assertThat(r)
          .contains("could not start " + doomed.name().format() + " on h1: setup of port " + doomed.port() + " failed"));
      assertThat(second.run().steps()).filteredOn(s -> s.name().equals("start") && s.outcome().name().equals("FAILED"))
          .extracting(s -> s.target().orElse("")).containsExactly(doomed.name().format());
      // a failed start fails the run before routing: every new proc goes, the failed one with them,
      // and the thirty old ones serve on untouched
      List<String> stoppedNew = w.events.stream().filter(e -> e instanceof DispatchEvent.ProcStopped)
          .map(e -> ((DispatchEvent.ProcStopped) e).proc()).toList();
      assertThat(stoppedNew).contains(doomed.name().format()).allMatch(n -> n.contains("-v2-"));
      assertThat(w.programs(ProcState.RUNNING)).containsExactlyElementsOf(programs);
      assertThat(w.programs(null)).containsExactlyElementsOf(programs);
      assertThat(w.runtime.dirs()).containsExactlyElementsOf(programs);

      DispatchResult gone = w.dispatcher.delete(v1.id());
      assertThat(gone.run().state()).as("%s", gone.run().failureReason()).isEqualTo(RunState.DONE);
      assertThat(w.runtime.stops.max()).isBetween(1, PER_HOST);
      assertThat(w.programs(null)).isEmpty();
      assertThat(w.runtime.dirs()).isEmpty();
      assertThat(Files.list(supervisord.includeDir()).filter(f -> f.getFileName().toString().contains("shop"))).isEmpty();
    }
  }

  /**
   * Not a check: the wall time of the same thirty-proc dispatch one proc at a time (as before
   * per-host parallelism) and eight at a time. Run with {@code -Dvr.measure=true}.
   */
  @Test
  void measuresTheDispatchOfThirtyProcsOnOneHostSeriallyAndInParallel() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("vr.measure"), "a measurement: run with -Dvr.measure=true");
    for (int perHost : new int[] {1, PER_HOST}) {
      Path dir = Files.createDirectories(root.resolve("p" + perHost));
      try (SupervisordFixture supervisord = SupervisordFixture.start(); World w = new World(supervisord, dir, perHost)) {
        w.runtime.overlapRequired = perHost > 1;
        long t0 = System.nanoTime();
        DispatchResult r = w.dispatcher.dispatch(swarm("v1"));
        long dispatchMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.run().state()).as("%s", r.run().failureReason()).isEqualTo(RunState.DONE);
        t0 = System.nanoTime();
        DispatchResult d = w.dispatcher.delete(swarm("v1").id());
        long deleteMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(d.run().state()).isEqualTo(RunState.DONE);
        System.out.println("[measure] " + SIZE + " procs on one host, perHostParallelism " + perHost + ": dispatch "
            + dispatchMs + " ms, delete " + deleteMs + " ms (max at once: setup " + w.runtime.setups.max() + ", uptest "
            + w.runtime.uptests.max() + ", stop " + w.runtime.stops.max() + "); " + phases(r) + "; delete " + phases(d));
      }
    }
  }

  /** Per step name: its count, the span from the first one's start to the last one's end, and the mean duration. */
  private static String phases(DispatchResult r) {
    java.util.Map<String, List<io.velociraptor.core.model.RunStep>> by = new java.util.TreeMap<>();
    r.run().steps().forEach(s -> by.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(s));
    List<String> out = new ArrayList<>();
    by.forEach((name, steps) -> {
      java.time.Instant first = steps.stream().map(io.velociraptor.core.model.RunStep::startedAt).min(Comparator.naturalOrder()).orElseThrow();
      java.time.Instant last = steps.stream().map(s -> s.startedAt().plus(s.duration())).max(Comparator.naturalOrder()).orElseThrow();
      long mean = (long) steps.stream().mapToLong(s -> s.duration().toMillis()).average().orElse(0);
      out.add(name + " x" + steps.size() + " span " + Duration.between(first, last).toMillis() + " ms mean " + mean + " ms");
    });
    return String.join(", ", out);
  }

  private static Swarm swarm(String version) {
    return Swarm.builder().id(SwarmId.of("parallel")).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("main")).size(SIZE).version(Version.of(version)).build();
  }

  private static Build build(String version) {
    String sha = (version.equals("v1") ? "1" : "2").repeat(64);
    return Build.builder().app(AppName.of("shop")).version(Version.of(version)).status(BuildStatus.SUCCESS)
        .artifact("/var/lib/vr/artifacts/" + sha + ".tar.gz").sha256(sha).putProcfileTypes("web", "./serve").build();
  }

  /** 70 consecutive ports that are free now (a proc that cannot bind would fail its start, not this test's point). */
  private static int freePorts(int count) throws IOException {
    for (int base = 21000; base < 60000; base += 97) {
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress("127.0.0.1", p));
        } catch (IOException taken) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports on 127.0.0.1");
  }

  /** One host (the private supervisord), a store, the directory runtime and the dispatcher. */
  private static final class World implements AutoCloseable {
    final DirRuntime runtime;
    final LocalCommandRunner runner;
    final SupervisorProcController procs;
    final SupervisorFleetObserver observer;
    final Dispatcher dispatcher;
    final SupervisordFixture supervisord;
    final InMemoryStore store = InMemoryStore.create();
    final List<DispatchEvent> events = Collections.synchronizedList(new ArrayList<>());

    World(SupervisordFixture supervisord, Path root, int perHost) throws IOException {
      this.supervisord = supervisord;
      this.runtime = new DirRuntime(Files.createDirectories(root.resolve("procs")));
      int base = freePorts(2 * SIZE + 10);
      Host h1 = Host.builder().name(HostName.of("h1")).address("127.0.0.1").supervisorPort(supervisord.port())
          .portRange(PortRange.of(base, base + 2 * SIZE + 10)).build();
      SupervisorEndpoints endpoints = SupervisorEndpoints.builder().credentials(supervisord.username(), supervisord.password())
          .build();
      runner = LocalCommandRunner.builder().root(supervisord.dir()).build();
      procs = SupervisorProcController.builder().endpoints(endpoints).commandRunners(h -> runner)
          .includeDir(supervisord.includeDir().toString()).build();
      observer = SupervisorFleetObserver.builder().endpoints(endpoints).deadline(Duration.ofSeconds(10)).build();
      store.putBuild(build("v1"));
      store.putBuild(build("v2"));
      FleetConfig fleet = FleetConfig.of(List.of(h1),
          List.of(Squad.builder().name(SquadName.of("main")).addHosts(h1.name()).build()));
      dispatcher = Dispatcher.builder().store(store).fleet(fleet).observer(observer).procs(procs).runtime(runtime)
          .runners(h -> runner).perHostParallelism(perHost).uptestTimeout(Duration.ofSeconds(90))
          .listener(events::add).build();
    }

    /** @return the programs of swarm {@code parallel}, sorted, in that state (null: any) */
    List<String> programs(ProcState state) {
      return supervisord.client().getAllProcessInfo().stream()
          .filter(i -> i.name().endsWith("-parallel") && (state == null || i.state() == state))
          .map(ProcessInfo::name).sorted().toList();
    }

    @Override
    public void close() {
      dispatcher.close();
      observer.close();
      procs.close();
      runner.close();
    }
  }

  /** How many calls run at once, and the most there ever were. */
  private static final class InFlight {
    private final AtomicInteger now = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();

    void enter() {
      int n = now.incrementAndGet();
      max.accumulateAndGet(n, Math::max);
    }

    void leave() {
      now.decrementAndGet();
    }

    int max() {
      return max.get();
    }
  }

  /**
   * A plain runtime: a directory per proc holding its name, served by {@code python3 -m
   * http.server} on the proc's port; its uptest fetches that name from the port.
   */
  private static final class DirRuntime implements ContainerRuntime {
    private final Path dir;
    final InFlight setups = new InFlight();
    final InFlight uptests = new InFlight();
    final InFlight stops = new InFlight();
    private final CountDownLatch twoUptests = new CountDownLatch(2);
    volatile boolean overlapRequired = true;
    private volatile Predicate<ProcData> setupFails = d -> false;

    DirRuntime(Path dir) {
      this.dir = dir;
    }

    void failSetupOf(Predicate<ProcData> which) {
      setupFails = which;
    }

    /** @return the proc directories, sorted */
    List<String> dirs() throws IOException {
      try (Stream<Path> s = Files.list(dir)) {
        return s.map(p -> p.getFileName().toString()).sorted().toList();
      }
    }

    @Override
    public String name() {
      return "dirs";
    }

    @Override
    public void setup(CommandRunner host, ProcData proc) {
      setups.enter();
      try {
        Path d = Files.createDirectories(dir.resolve(proc.programName()));
        if (setupFails.test(proc)) {
          // as a real setup that fails half way: the directory is made, the proc is not
          throw new IllegalStateException("setup of port " + proc.port().orElseThrow() + " failed (as the test asked)");
        }
        Files.writeString(d.resolve("name"), proc.programName());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        setups.leave();
      }
    }

    @Override
    public List<String> runCommand(ProcData proc) {
      return List.of("/usr/bin/python3", "-m", "http.server", String.valueOf(proc.port().orElseThrow()), "--bind", "127.0.0.1",
          "--directory", dir.resolve(proc.programName()).toString());
    }

    @Override
    public List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest) {
      uptests.enter();
      long t0 = System.nanoTime();
      try {
        twoUptests.countDown();
        if (overlapRequired && !twoUptests.await(OVERLAP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
          return List.of(UptestResult.of("overlap", "no other uptest ran beside this one within " + OVERLAP_DEADLINE,
              false, 0));
        }
        String got = get(proc.port().orElseThrow());
        boolean ok = got.equals(proc.programName());
        return List.of(UptestResult.of("name", got, ok, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of(UptestResult.of("name", "interrupted", false, 0));
      } catch (IOException e) {
        return List.of(UptestResult.of("name", e.toString(), false, 0));
      } finally {
        uptests.leave();
      }
    }

    /** @return the body of GET /name on the port */
    static String get(int port) throws IOException {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        s.getOutputStream().write("GET /name HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (InputStream in = s.getInputStream()) {
          String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          int body = reply.indexOf("\r\n\r\n");
          return body < 0 ? reply : reply.substring(body + 4);
        }
      }
    }

    @Override
    public void teardown(CommandRunner host, ProcName proc) {
      stops.enter();
      try {
        Path d = dir.resolve(proc.format());
        if (Files.exists(d)) {
          try (Stream<Path> walk = Files.walk(d)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
              Files.delete(p);
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        stops.leave();
      }
    }

    @Override
    public List<ProcName> procDirs(CommandRunner host) {
      try {
        return dirs().stream().map(ProcName::parse).toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
