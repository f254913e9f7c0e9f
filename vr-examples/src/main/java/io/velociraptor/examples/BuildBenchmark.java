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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Measures a vr build of the Java example app against running the same buildpack scripts and
 * {@code tar czf} by hand, cold (empty cache) and warm (cache filled, source unchanged).
 *
 * <p>Run with {@code vr-examples/bench/build-benchmark.sh [iterations]}. Prints one line per case
 * with the median, mean and minimum in milliseconds and vr's overhead over the hand-run baseline.
 */
public final class BuildBenchmark {
  private BuildBenchmark() {}

  /**
   * @param args optional: iterations (default 10), examples directory (default
   *     {@code vr-examples/src/main/resources/examples})
   * @throws Exception if a build or the baseline fails
   */
  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path examples = Path.of(args.length > 1 ? args[1]
        : "vr-examples/src/main/resources/examples").toAbsolutePath().normalize();
    Path app = examples.resolve("apps/java-hello");
    Path bp = examples.resolve("buildpacks/java");
    boolean root = "root".equals(System.getProperty("user.name"));
    Path tmp = Files.createTempDirectory("vr-build-bench-");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    try {
      App a = App.builder().name(AppName.of("java_hello")).repoUrl(app.toString())
          .repoType(App.RepoType.LOCAL).build();
      BuildRequest req = BuildRequest.builder().app(a).version(Version.of("bench"))
          .addBuildpacks(Buildpack.parse(bp.toString()))
          .selection(BuildRequest.Selection.ALL_IN_ORDER).build();

      List<Long> handCold = new ArrayList<>();
      List<Long> vrCold = new ArrayList<>();
      List<Long> handWarm = new ArrayList<>();
      List<Long> vrWarm = new ArrayList<>();
      Path warmHome = tmp.resolve("warm-home");
      BuildpackBuildBackend warm = backend(warmHome, root);
      Path warmCache = Files.createDirectories(tmp.resolve("warm-hand-cache"));
      warm.build(req, BuildListener.NONE);
      byHand(app, bp, tmp.resolve("hand-warmup"), warmCache);

      for (int i = -2; i < iterations; i++) { // two rounds of JVM and disk warm-up
        Path coldHome = tmp.resolve("cold-home-" + i);
        long t0 = System.nanoTime();
        backend(coldHome, root).build(req, BuildListener.NONE);
        long t1 = System.nanoTime();
        byHand(app, bp, tmp.resolve("hand-cold-" + i), Files.createDirectories(
            tmp.resolve("hand-cold-cache-" + i)));
        long t2 = System.nanoTime();
        warm.build(req, BuildListener.NONE);
        long t3 = System.nanoTime();
        byHand(app, bp, tmp.resolve("hand-warm-" + i), warmCache);
        long t4 = System.nanoTime();
        if (i >= 0) {
          vrCold.add(t1 - t0);
          handCold.add(t2 - t1);
          vrWarm.add(t3 - t2);
          handWarm.add(t4 - t3);
        }
        delete(coldHome);
        delete(coldHome.resolveSibling(coldHome.getFileName() + "-store"));
      }
      System.out.printf(Locale.ROOT, "java-hello build, %d iterations, scripts run as %s%n",
          iterations, root ? "build user vrbuild (setpriv)" : "current user");
      report("cold cache", vrCold, handCold);
      report("warm cache, unchanged source", vrWarm, handWarm);
    } finally {
      delete(tmp);
    }
  }

  private static BuildpackBuildBackend backend(Path home, boolean root) {
    BuildpackBuildBackend.Builder b = BuildpackBuildBackend.builder().home(home)
        .artifactStore(FileSystemArtifactStore.of(home.resolveSibling(home.getFileName() + "-store")));
    return root ? b.buildUser("vrbuild").build() : b.runScriptsAsCurrentUser().build();
  }

  /** The baseline: the same steps as a shell script, with {@code tar czf} for the tarball. */
  private static void byHand(Path app, Path bp, Path work, Path cache) throws Exception {
    String script = String.join("\n",
        "set -e",
        "mkdir -p \"$W/env\" \"$W/tmp\"",
        "cp -a \"$APP\" \"$W/app\"",
        "export TMPDIR=\"$W/tmp\"",
        "\"$BP/bin/detect\" \"$W/app\" > /dev/null",
        "\"$BP/bin/compile\" \"$W/app\" \"$CACHE\" \"$W/env\" > /dev/null",
        "\"$BP/bin/release\" \"$W/app\" > \"$W/release.yml\"",
        "tar czf \"$W/build.tar.gz\" -C \"$W/app\" .");
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("W", work.toString());
    pb.environment().put("APP", app.toString());
    pb.environment().put("BP", bp.toString());
    pb.environment().put("CACHE", cache.toString());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("the hand-run baseline failed in " + work);
    }
    delete(work);
  }

  private static void report(String label, List<Long> vr, List<Long> hand) {
    // each vr run is paired with the baseline run right after it, so both see the same load on
    // a shared machine; the median of the pair ratios is the overhead figure
    List<Long> ratios = new ArrayList<>();
    for (int i = 0; i < vr.size(); i++) {
      ratios.add(Math.round(1e6 * vr.get(i) / hand.get(i)));
    }
    System.out.printf(Locale.ROOT,
        "%-30s vr median %7.1f ms (mean %7.1f, min %7.1f) | by hand median %7.1f ms (mean %7.1f,"
            + " min %7.1f) | overhead: median of paired ratios %+.1f%%, of medians %+.1f%%,"
            + " of minimums %+.1f%%%n",
        label, median(vr), mean(vr), min(vr), median(hand), mean(hand), min(hand),
        (median(ratios) - 1) * 100, (median(vr) / median(hand) - 1) * 100,
        (min(vr) / min(hand) - 1) * 100);
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
}
