package io.velociraptor.examples.e2e;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BuildBackend;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.FleetObserver;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.JdbcStore;
import io.velociraptor.testkit.PostgresCluster;
import io.velociraptor.lxc.RuntimeKind;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dispatch benchmark (not a test; run by {@code vr-examples/bench/dispatch-bench.sh}), on the
 * same real world as the e2e tests: three hosts (one over SSH), plain runtime, nginx, file store
 * (or PostgreSQL).
 *
 * <ol>
 *   <li>Against the floor, measured in the same run: a first dispatch of 10 procs over the 3 hosts,
 *       of 60 procs, a swap of the 60 to a new release, and a delete of the 60. The floor is the
 *       same procs started by hand, all in parallel (unpack the build, start the app, wait for its
 *       port, run its uptest once), and for a delete the same procs stopped by hand in parallel; a
 *       swap's floor is one start floor plus one stop floor. Each figure prints vr / floor, the
 *       load average, and a per-step breakdown (the union of the time each kind of call was in
 *       flight, its count and summed time).
 *   <li>A first dispatch of 10 procs: how much of it some call to the outside world was in flight;
 *       vr's own work is the rest. Store time is reported on its own line and counted as vr's own
 *       work.
 *   <li>No-op re-dispatches of that swarm: each is one observation plus one plan plus the run's
 *       bookkeeping in the store; median, min and max over N runs.
 * </ol>
 *
 * Arguments: {@code [no-op runs, default 30] [file|postgres, default file]}.
 */
public final class DispatchBenchmark {
  private DispatchBenchmark() {}

  /** Records when calls to the wrapped components are in flight. */
  static final class Timeline {
    record Call(String category, long start, long end) {}

    final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

    @SuppressWarnings("unchecked")
    <T> T wrap(Class<T> type, T delegate, String category) {
      InvocationHandler h = (proxy, method, args) -> {
        if (method.getDeclaringClass() == Object.class || method.getName().equals("name")) {
          return method.invoke(delegate, args);
        }
        long start = System.nanoTime();
        try {
          return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        } finally {
          calls.add(new Call(category + "." + method.getName(), start, System.nanoTime()));
        }
      };
      return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
    }

    /** @return nanoseconds within [from, to] during which a call of an accepted category ran */
    long covered(long from, long to, java.util.function.Predicate<String> category) {
      List<long[]> spans = new ArrayList<>();
      synchronized (calls) {
        for (Call c : calls) {
          if (category.test(c.category()) && c.end() > from && c.start() < to) {
            spans.add(new long[] {Math.max(from, c.start()), Math.min(to, c.end())});
          }
        }
      }
      spans.sort((a, b) -> Long.compare(a[0], b[0]));
      long total = 0;
      long curStart = -1;
      long curEnd = -1;
      for (long[] s : spans) {
        if (s[0] > curEnd) {
          total += curEnd - curStart;
          curStart = s[0];
          curEnd = s[1];
        } else {
          curEnd = Math.max(curEnd, s[1]);
        }
      }
      return total + (curEnd - curStart);
    }

    Map<String, long[]> byCategory(long from, long to) {
      Map<String, long[]> out = new TreeMap<>();
      synchronized (calls) {
        for (Call c : calls) {
          if (c.end() > from && c.start() < to) {
            long[] v = out.computeIfAbsent(c.category(), k -> new long[2]);
            v[0]++;
            v[1] += c.end() - c.start();
          }
        }
      }
      return out;
    }
  }

  /**
   * Runs the benchmark.
   *
   * @param args the number of no-op re-dispatches (default 30), then the store: {@code file} (the
   *     default, the e2e world's FileStore) or {@code postgres} (a JdbcStore on a private
   *     PostgreSQL cluster with durable settings, filled from the world's store)
   * @throws Exception if a dispatch fails
   */
  public static void main(String[] args) throws Exception {
    int noops = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    String storeKind = args.length > 1 ? args[1] : "file";
    if (!storeKind.equals("file") && !storeKind.equals("postgres")) {
      throw new IllegalArgumentException("store must be file or postgres, not " + storeKind);
    }
    try (E2eWorld world = E2eWorld.start(RuntimeKind.PLAIN, 48);
        PostgresCluster pg = storeKind.equals("postgres") ? PostgresCluster.start(Map.of()) : null;
        JdbcStore jdbc = pg == null ? null
            : JdbcStore.builder().url(pg.jdbcUrl()).user(pg.user()).password(pg.password()).open()) {
      Store benchStore = world.store;
      if (jdbc != null) {
        jdbc.copyFrom(world.store); // the world's apps, so the dispatches find them
        benchStore = jdbc;
      }
      System.out.printf("store: %s%n", jdbc == null ? "file store (fsynced)" : "JdbcStore on PostgreSQL 15, fsync on, loopback");
      Timeline t = new Timeline();
      List<long[]> runSpan = new ArrayList<>();
      Dispatcher.Builder builder = world.dispatcherBuilder();
      // -Dvr.bench.perHost=N (dispatch-bench.sh passes $VR_BENCH_PER_HOST): another per-host parallelism
      Integer perHost = Integer.getInteger("vr.bench.perHost");
      if (perHost != null) {
        builder.perHostParallelism(perHost);
      }
      System.out.printf("per-host parallelism: %s%n", perHost == null ? "the default" : perHost);
      Dispatcher d = builder
          .procs(t.wrap(ProcController.class, world.procs, "supervisor"))
          .runtime(t.wrap(ContainerRuntime.class, world.runtime, "runtime"))
          .balancer(t.wrap(Balancer.class, world.balancer, "nginx"))
          .observer(t.wrap(FleetObserver.class, world.observer, "observe"))
          .builds(t.wrap(BuildBackend.class, world.builds, "build"))
          .store(t.wrap(Store.class, benchStore, "store"))
          .listener(e -> {
            if (e instanceof DispatchEvent.RunStarted) {
              runSpan.add(new long[] {System.nanoTime(), 0});
            } else if (e instanceof DispatchEvent.RunDone || e instanceof DispatchEvent.RunFailed) {
              runSpan.get(runSpan.size() - 1)[1] = System.nanoTime();
            }
          })
          .build();
      try {
        // build v1 first (a size-0 swarm builds and starts nothing), so the figure is a dispatch, not a build
        require(d.dispatch(world.swarm("bnch", 0).build()));
        Swarm ten = world.swarm("bnch", 10).build();
        Instant at = Instant.now();
        DispatchResult first = require(d.dispatch(ten));
        long[] span = runSpan.get(runSpan.size() - 1);
        long wall = span[1] - span[0];
        long outside = t.covered(span[0], span[1], c -> !c.startsWith("store.") && !c.startsWith("build."));
        // store calls made while no outside call was in flight: the part of vr's own work that is fsync
        long store = t.covered(span[0], span[1], c -> !c.startsWith("build.")) - outside;
        System.out.printf("%n== first dispatch of 10 procs over 3 hosts (%s, plan %s)%n", at, first.plan().orElseThrow().summary());
        System.out.printf("wall (run_started -> run_done): %d ms%n", ms(wall));
        System.out.printf("waiting on hosts, supervisor, uptests, nginx, observation (union): %d ms (%.1f%%)%n",
            ms(outside), 100.0 * outside / wall);
        System.out.printf("vr's own work (the rest): %d ms (%.1f%%), of which store calls: %d ms%n",
            ms(wall - outside), 100.0 * (wall - outside) / wall, ms(store));
        System.out.println("calls (count, summed time; they overlap across hosts):");
        t.byCategory(span[0], span[1]).forEach((k, v) -> System.out.printf("  %-28s %4d  %7d ms%n", k, v[0], ms(v[1])));

        Map<String, long[]> noopCalls = new TreeMap<>();
        List<Long> times = new ArrayList<>();
        List<Long> observes = new ArrayList<>();
        List<Long> stores = new ArrayList<>();
        List<Long> owns = new ArrayList<>();
        for (int i = 0; i < noops; i++) {
          t.calls.clear();
          long s = System.nanoTime();
          DispatchResult r = require(d.dispatch(ten));
          long e = System.nanoTime();
          if (!r.plan().orElseThrow().isNoop()) {
            throw new IllegalStateException("re-dispatch " + i + " was not a no-op: " + r.plan().get().summary());
          }
          times.add(e - s);
          observes.add(t.covered(s, e, c -> c.startsWith("observe.") || c.startsWith("nginx.")));
          // vr's own time: the run with every call to a host, Supervisor or nginx taken out (store calls stay in)
          owns.add((e - s) - t.covered(s, e, c -> !c.startsWith("store.") && !c.startsWith("build.")));
          stores.add(t.covered(s, e, c -> c.startsWith("store.")));
          t.byCategory(s, e).forEach((k, v) -> {
            long[] sum = noopCalls.computeIfAbsent(k, x -> new long[2]);
            sum[0] += v[0];
            sum[1] += v[1];
          });
        }
        Collections.sort(times);
        Collections.sort(observes);
        Collections.sort(stores);
        Collections.sort(owns);
        System.out.printf("%n== no-op re-dispatch of the 10-proc swarm, %d runs%n", noops);
        System.out.printf("median %d ms, min %d ms, max %d ms; medians of its parts: observing (3 supervisords"
            + " + the nginx pool) %d ms, store (run records) %d ms%n",
            ms(times.get(times.size() / 2)), ms(times.get(0)), ms(times.get(times.size() - 1)),
            ms(observes.get(observes.size() / 2)), ms(stores.get(stores.size() / 2)));
        System.out.printf("vr's own time (the run minus every host, Supervisor and nginx call; store calls included):"
            + " median %d ms, min %d ms, max %d ms%n", ms(owns.get(owns.size() / 2)), ms(owns.get(0)),
            ms(owns.get(owns.size() - 1)));
        System.out.println("calls per no-op re-dispatch (count, time; averaged over the runs):");
        noopCalls.forEach((k, v) -> System.out.printf("  %-28s %6.1f  %7.1f ms%n", k, (double) v[0] / noops,
            v[1] / 1e6 / noops));
        require(d.delete(ten.id()));

        againstTheFloor(world, benchStore, d, t, runSpan);
      } finally {
        d.close();
      }
    }
  }

  /** One figure against its floor. */
  record Figure(String what, long vr, long floor, String load) {
    double ratio() {
      return (double) vr / floor;
    }
  }

  /** The 10-proc and 60-proc dispatches, the 60-proc swap and delete, each against its floor. */
  static void againstTheFloor(E2eWorld world, Store store, Dispatcher d, Timeline t, List<long[]> runSpan) throws Exception {
    require(d.dispatch(world.swarm("bvtw", 0).version(io.velociraptor.core.model.Version.of("v2")).build()));
    io.velociraptor.core.model.Build v1 = store.build(io.velociraptor.core.model.AppName.of("shop"),
        io.velociraptor.core.model.Version.of("v1")).orElseThrow();
    List<String> addresses = world.hosts.stream().map(h -> h.address).toList();
    List<Figure> figures = new ArrayList<>();
    try (BenchFloor floor = new BenchFloor(v1.artifact().orElseThrow(), world.work.resolve("floor"), addresses)) {
      long floor10 = floor.start(10);
      floor.stop();
      long floor60 = floor.start(60);
      long floorStop60 = floor.stop();
      System.out.printf("%n== the floor: by hand, all in parallel: start 10 %d ms, start 60 %d ms, stop 60 %d ms (load %s)%n",
          ms(floor10), ms(floor60), ms(floorStop60), load());

      Swarm ten = world.swarm("bten", 10).build();
      figures.add(measured("first dispatch, 10 procs on 3 hosts", floor10, t, runSpan, () -> d.dispatch(ten)));
      require(d.delete(ten.id()));
      Swarm sixty = world.swarm("bsix", 60).build();
      figures.add(measured("first dispatch, 60 procs on 3 hosts", floor60, t, runSpan, () -> d.dispatch(sixty)));
      Swarm swapped = world.swarm("bsix", 60).version(io.velociraptor.core.model.Version.of("v2")).build();
      figures.add(measured("swap of the 60 procs to a new release", floor60 + floorStop60, t, runSpan,
          () -> d.dispatch(swapped)));
      figures.add(measured("delete of the 60 procs", floorStop60, t, runSpan, () -> d.delete(swapped.id())));
    }
    System.out.printf("%n== vr against the floor%n| what | vr | floor | vr / floor | load avg (1, 5, 15 min) |%n|---|---|---|---|---|%n");
    for (Figure f : figures) {
      System.out.printf("| %s | %.1f s | %.2f s | %.1fx | %s |%n", f.what(), f.vr() / 1e9, f.floor() / 1e9, f.ratio(), f.load());
    }
  }

  static Figure measured(String what, long floor, Timeline t, List<long[]> runSpan,
      java.util.concurrent.Callable<DispatchResult> run) throws Exception {
    t.calls.clear();
    long s = System.nanoTime();
    DispatchResult r = require(run.call());
    long e = System.nanoTime();
    String load = load();
    System.out.printf("%n== %s (%s): %d ms, floor %d ms, %.1fx, load %s%n", what,
        r.plan().map(p -> p.summary().toString()).orElse(""), ms(e - s), ms(floor), (double) (e - s) / floor, load);
    breakdown(t, s, e);
    return new Figure(what, e - s, floor, load);
  }

  /** Per kind of step: the time some call of it was in flight (union), its count and summed time. */
  static void breakdown(Timeline t, long from, long to) {
    System.out.println("  step                          in flight   calls   summed");
    Map<String, long[]> by = t.byCategory(from, to);
    for (String step : List.of("runtime.setup", "runtime.uptest", "runtime.teardown", "supervisor.", "nginx.", "observe.",
        "runtime.", "store.")) {
      long n = 0;
      long sum = 0;
      for (Map.Entry<String, long[]> c : by.entrySet()) {
        if (c.getKey().startsWith(step)) {
          n += c.getValue()[0];
          sum += c.getValue()[1];
        }
      }
      if (n > 0) {
        System.out.printf("  %-28s %7d ms  %6d  %7d ms%n", step.endsWith(".") ? step + "*" : step,
            ms(t.covered(from, to, c -> c.startsWith(step))), n, ms(sum));
      }
    }
    System.out.println("  calls (count, summed time):");
    by.forEach((k, v) -> System.out.printf("    %-28s %4d  %7d ms%n", k, v[0], ms(v[1])));
  }

  static String load() {
    try {
      String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static DispatchResult require(DispatchResult r) {
    if (!r.succeeded()) {
      throw new IllegalStateException("run " + r.run().id() + " failed: " + r.run().failureReason().orElse(""));
    }
    return r;
  }

  private static long ms(long nanos) {
    return Duration.ofNanos(nanos).toMillis();
  }
}
