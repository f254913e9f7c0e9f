package io.velociraptor.examples;

import io.velociraptor.buildpack.BuildpackBuildBackend;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BuildListener;
import io.velociraptor.core.spi.BuildRequest;
import io.velociraptor.core.store.FileSystemArtifactStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Measures a vr build of the Java example app against running the same buildpack scripts and
 * {@code tar czf} by hand, cold (empty cache) and warm (cache filled, source unchanged).
 *
 * <p>Run with {@code vr-examples/bench/build-benchmark.sh [iterations]}. Each iteration runs vr
 * and the baselines back to back, in an order that rotates from one iteration to the next, so
 * that each vr run is paired with baseline runs that saw the same machine load. As root there
 * are two baselines: the scripts run by hand as root, and as the build user (one {@code setpriv}
 * for the whole script, like a careful admin would); otherwise one, as the current user. Work
 * directories are removed outside the timed region for every contender (vr removes its own in
 * the background; the next run starts only once that is done). Prints the load before and after,
 * one line per case and baseline, the CPU time each contender used per build (less sensitive to
 * the load of a shared machine than wall time), and the time between the build steps vr reports
 * to its listener in the warm builds.
 */
public final class BuildBenchmark {
  private static final String BUILD_USER = "vrbuild";
  /** USER_HZ: 100 on every Linux architecture this runs on. */
  private static final int TICKS_PER_SECOND = 100;

  private BuildBenchmark() {}

  /**
   * @param args optional: iterations (default 20), examples directory (default
   *     {@code vr-examples/src/main/resources/examples})
   * @throws Exception if a build or a baseline fails
   */
  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Path examples = Path.of(args.length > 1 ? args[1]
        : "vr-examples/src/main/resources/examples").toAbsolutePath().normalize();
    Path app = examples.resolve("apps/java-hello");
    Path bp = examples.resolve("buildpacks/java");
    boolean root = "root".equals(System.getProperty("user.name"));
    Path tmp = Files.createTempDirectory("vr-build-bench-");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    System.out.printf(Locale.ROOT, "java-hello build benchmark, %s, %d iterations, %d cores,"
        + " Java %s, load before: %s%n", Instant.now(), iterations,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), load());
    try {
      App a = App.builder().name(AppName.of("java_hello")).repoUrl(app.toString())
          .repoType(App.RepoType.LOCAL).build();
      BuildRequest req = BuildRequest.builder().app(a).version(Version.of("bench"))
          .addBuildpacks(Buildpack.parse(bp.toString()))
          .selection(BuildRequest.Selection.ALL_IN_ORDER).build();

      List<Contender> cold = new ArrayList<>();
      List<Contender> warm = new ArrayList<>();
      cold.add(new Contender("vr", i -> {
        Path home = tmp.resolve("cold-home-" + i);
        Path store = tmp.resolve("cold-store-" + i);
        BuildpackBuildBackend b = backend(home, store, root);
        long t0 = System.nanoTime();
        b.build(req, BuildListener.NONE);
        long t = System.nanoTime() - t0;
        awaitEmpty(home.resolve("trash"));
        delete(home);
        delete(store);
        return t;
      }));
      Path warmHome = tmp.resolve("warm-home");
      BuildpackBuildBackend warmBackend = backend(warmHome, tmp.resolve("warm-store"), root);
      StepTimes steps = new StepTimes();
      warm.add(new Contender("vr", i -> {
        StepTimes.Run run = steps.start();
        long t0 = System.nanoTime();
        warmBackend.build(req, run);
        long t = System.nanoTime() - t0;
        run.finish(i >= 0);
        awaitEmpty(warmHome.resolve("trash"));
        return t;
      }));
      List<Boolean> asUser = root ? List.of(false, true) : List.of(false);
      for (boolean u : asUser) {
        String name = !root ? "by hand" : u ? "by hand as " + BUILD_USER : "by hand as root";
        cold.add(new Contender(name, i -> {
          Path cache = Files.createDirectories(tmp.resolve("hand-cold-cache-" + u + i));
          long t = byHand(app, bp, tmp.resolve("hand-cold-" + u + i), cache, u);
          delete(cache);
          return t;
        }));
        Path warmCache = Files.createDirectories(tmp.resolve("hand-warm-cache-" + u));
        warm.add(new Contender(name, i -> byHand(app, bp, tmp.resolve("hand-warm-" + u + i),
            warmCache, u)));
      }

      for (int i = -2; i < iterations; i++) { // two rounds of JVM and disk warm-up
        for (List<Contender> contenders : List.of(cold, warm)) {
          int n = contenders.size();
          for (int k = 0; k < n; k++) {
            Contender c = contenders.get(Math.floorMod(i + k, n));
            long[] cpu0 = cpuTicks();
            long t = c.run.time(i);
            long[] cpu1 = cpuTicks();
            if (i >= 0) {
              c.times.add(t);
              c.selfTicks += cpu1[0] - cpu0[0];
              c.childTicks += cpu1[1] - cpu0[1];
            }
          }
        }
      }
      System.out.printf(Locale.ROOT, "vr runs buildpack scripts as %s; load after: %s%n",
          root ? "build user " + BUILD_USER + " (a PID namespace per script where the kernel allows, else setsid + setpriv)" : "current user",
          load());
      for (int k = 1; k < cold.size(); k++) {
        report("cold cache", cold.get(0), cold.get(k));
      }
      for (int k = 1; k < warm.size(); k++) {
        report("warm cache, unchanged source", warm.get(0), warm.get(k));
      }
      System.out.println("CPU time per build (user + system, whole runs including vr's background"
          + " work directory removal; clock ticks summed over all iterations):");
      for (List<Contender> contenders : List.of(cold, warm)) {
        for (Contender c : contenders) {
          double self = c.selfTicks * 1000.0 / TICKS_PER_SECOND / iterations;
          double children = c.childTicks * 1000.0 / TICKS_PER_SECOND / iterations;
          System.out.printf(Locale.ROOT, "  %-5s %-19s %8.1f ms (benchmark JVM %6.1f, child"
              + " processes %8.1f)%n", contenders == cold ? "cold" : "warm", c.name,
              self + children, self, children);
        }
      }
      steps.print();
    } finally {
      delete(tmp);
    }
  }

  private static BuildpackBuildBackend backend(Path home, Path store, boolean root) {
    BuildpackBuildBackend.Builder b = BuildpackBuildBackend.builder().home(home)
        .artifactStore(FileSystemArtifactStore.of(store));
    return root ? b.buildUser(BUILD_USER).build() : b.runScriptsAsCurrentUser().build();
  }

  /**
   * The baseline: the same steps as a shell script, with {@code tar czf} for the tarball;
   * optionally the whole script as the build user.
   *
   * @return the time it took, in nanoseconds (the work directory is removed after, untimed)
   */
  private static long byHand(Path app, Path bp, Path work, Path cache, boolean asBuildUser)
      throws Exception {
    String script = String.join("\n",
        "set -e",
        "mkdir -p \"$W/env\" \"$W/tmp\"",
        "cp -a \"$APP\" \"$W/app\"",
        "export TMPDIR=\"$W/tmp\"",
        "\"$BP/bin/detect\" \"$W/app\" > /dev/null",
        "\"$BP/bin/compile\" \"$W/app\" \"$CACHE\" \"$W/env\" > /dev/null",
        "\"$BP/bin/release\" \"$W/app\" > \"$W/release.yml\"",
        "tar czf \"$W/build.tar.gz\" -C \"$W/app\" .");
    List<String> cmd = new ArrayList<>();
    if (asBuildUser) {
      Files.createDirectories(work);
      chown(work);
      chown(cache);
      cmd.addAll(List.of("setpriv", "--reuid=" + BUILD_USER, "--regid=" + BUILD_USER,
          "--clear-groups", "--"));
    }
    cmd.addAll(List.of("sh", "-c", script));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("W", work.toString());
    pb.environment().put("APP", app.toString());
    pb.environment().put("BP", bp.toString());
    pb.environment().put("CACHE", cache.toString());
    long t0 = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("the hand-run baseline failed in " + work);
    }
    long t = System.nanoTime() - t0;
    delete(work);
    return t;
  }

  private static void chown(Path p) throws Exception {
    Process c = new ProcessBuilder("chown", "-R", BUILD_USER + ":", p.toString()).inheritIO()
        .start();
    if (!c.waitFor(1, TimeUnit.MINUTES) || c.exitValue() != 0) {
      throw new IllegalStateException("chown " + p + " failed");
    }
  }

  /** vr deletes a finished build's work directory in the background: wait for it, untimed. */
  private static void awaitEmpty(Path dir) throws IOException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      try (Stream<Path> s = Files.list(dir)) {
        if (s.findAny().isEmpty()) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(dir + " was not emptied within a minute");
      }
      LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
    }
  }

  /**
   * @return this JVM's CPU ticks (all threads) and those of its waited-for children (the scripts
   *     and what they waited for), from {@code /proc/self/stat}
   */
  private static long[] cpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields 14-17 of proc(5): utime stime cutime cstime; f[0] is field 3
    return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]),
        Long.parseLong(f[13]) + Long.parseLong(f[14])};
  }

  private static String load() throws IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  private static void report(String label, Contender vr, Contender hand) {
    List<Long> ratios = new ArrayList<>();
    for (int i = 0; i < vr.times.size(); i++) {
      ratios.add(Math.round(1e6 * vr.times.get(i) / hand.times.get(i)));
    }
    System.out.printf(Locale.ROOT,
        "%-28s vr median %7.1f ms (mean %7.1f, min %7.1f) | %-19s median %7.1f ms (mean %7.1f,"
            + " min %7.1f) | overhead: median of paired ratios %+.1f%%, of medians %+.1f%%,"
            + " of minimums %+.1f%%%n",
        label, median(vr.times), mean(vr.times), min(vr.times), hand.name, median(hand.times),
        mean(hand.times), min(hand.times), (median(ratios) - 1) * 100,
        (median(vr.times) / median(hand.times) - 1) * 100,
        (min(vr.times) / min(hand.times) - 1) * 100);
  }

  private static double median(List<Long> xs) {
    List<Long> s = xs.stream().sorted().toList();
    int n = s.size();
    return (n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0) / 1e6;
  }

  private static double mean(List<Long> xs) {
    return xs.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
  }

  private static double min(List<Long> xs) {
    return xs.stream().mapToLong(Long::longValue).min().orElse(0) / 1e6;
  }

  private static void delete(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }

  private interface Timed {
    long time(int iteration) throws Exception;
  }

  private static final class Contender {
    final String name;
    final Timed run;
    final List<Long> times = new ArrayList<>();
    long selfTicks;
    long childTicks;

    Contender(String name, Timed run) {
      this.name = name;
      this.run = run;
    }
  }

  /**
   * Stamps the steps a build reports to its listener: the time from one step's start to the
   * next, then from the last log line to {@code build()} returning. Phases are named by the
   * events that bound them ({@code "buildpack -> buildpack#2"} is copying the buildpack,
   * preparing the build user's directories and running {@code bin/detect}).
   */
  private static final class StepTimes {
    private final Map<String, List<Long>> phases = new LinkedHashMap<>();

    Run start() {
      return new Run();
    }

    void print() {
      if (phases.isEmpty()) {
        return;
      }
      System.out.println("warm vr build, median time between the steps it reports:");
      for (Map.Entry<String, List<Long>> e : phases.entrySet()) {
        System.out.printf(Locale.ROOT, "  %-34s %8.2f ms%n", e.getKey(), median(e.getValue()));
      }
    }

    final class Run implements BuildListener {
      private final List<String> names = new ArrayList<>(List.of("start"));
      private final List<Long> stamps = new ArrayList<>(List.of(System.nanoTime()));
      private final Map<String, Integer> seen = new LinkedHashMap<>();

      @Override
      public void onStep(String step, String detail) {
        mark(step);
      }

      @Override
      public void onLine(String line) {
        if (line.startsWith("Build of ")) {
          mark("finished");
        }
      }

      private void mark(String event) {
        int k = seen.merge(event, 1, Integer::sum);
        names.add(k == 1 ? event : event + "#" + k);
        stamps.add(System.nanoTime());
      }

      void finish(boolean count) {
        mark("returned");
        if (!count) {
          return;
        }
        for (int i = 1; i < names.size(); i++) {
          phases.computeIfAbsent(names.get(i - 1) + " -> " + names.get(i), k -> new ArrayList<>())
              .add(stamps.get(i) - stamps.get(i - 1));
        }
      }
    }
  }
}
