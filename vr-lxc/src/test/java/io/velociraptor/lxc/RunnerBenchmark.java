package io.velociraptor.lxc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Benchmark (not a test): setup + run to first HTTP answer + teardown of one proc, for LXC with
 * a busybox image, LXC on the host root, and the plain runtime. One cold cycle (unpacks the
 * build and image), then N warm cycles; prints the median and the spread of each phase. Run as
 * root with {@code vr-lxc/bench/runner-bench.sh [cycles]}.
 */
public final class RunnerBenchmark {
  private RunnerBenchmark() {}

  /**
   * @param args optional number of warm cycles (default 10)
   * @throws Exception if a cycle fails
   */
  public static void main(String[] args) throws Exception {
    int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    System.out.printf("runner benchmark: %d warm cycles, %d cores, %s%n", cycles,
        Runtime.getRuntime().availableProcessors(), java.time.Instant.now());
    for (String mode : List.of("lxc-image", "lxc-hostroot", "plain")) {
      bench(mode, cycles);
    }
    benchThroughTheSpi(cycles);
  }

  /** The dispatcher's path: ContainerRuntime over a LocalCommandRunner and the launcher (JVM per command). */
  private static void benchThroughTheSpi(int cycles) throws Exception {
    Path root = Fixtures.tempRoot();
    try (io.velociraptor.core.remote.LocalCommandRunner host =
        io.velociraptor.core.remote.LocalCommandRunner.builder().root(root).build()) {
      RunnerInstall install = RunnerInstall.builder().root(root).runtime(RuntimeKind.LXC).classpathOfThisJvm().build();
      install.install(host);
      LxcContainerRuntime runtime = install.lxcRuntime(Duration.ofMinutes(2));
      Path src = Fixtures.tree(Files.createTempDirectory(root, "src"), Map.of("www/index.html", "hello\n",
          "Procfile", "web: exec busybox httpd -f -p $PORT -h www\n"));
      Path build = Fixtures.tar(src, root.resolve("build.tar.gz"));
      Path img = Fixtures.busyboxImage(Files.createTempDirectory(root, "image"));
      List<Long> totals = new ArrayList<>();
      for (int i = 0; i <= cycles; i++) {
        int port = Fixtures.freePort();
        io.velociraptor.core.model.ProcData data = io.velociraptor.core.model.ProcData.builder()
            .appName("bench").version("1").configName("b").releaseHash("abcdef12").procName("web")
            .port(port).buildUrl(build.toString()).imageName("busybox").imageUrl(img.toString()).build();
        long t0 = System.nanoTime();
        runtime.setup(host, data);
        Process p = new ProcessBuilder(runtime.runCommand(data)).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        while (Fixtures.get(port, "/index.html").isEmpty()) {
          if (System.nanoTime() - t0 > Duration.ofSeconds(30).toNanos()) {
            throw new IllegalStateException("proc did not answer within 30 s");
          }
          LockSupport.parkNanos(1_000_000);
        }
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          throw new IllegalStateException("proc did not stop on SIGTERM");
        }
        runtime.teardown(host, io.velociraptor.core.model.ProcName.parse(data.programName()));
        long ms = ms(System.nanoTime() - t0);
        if (i == 0) {
          System.out.printf("%-13s cold  total %4d ms%n", "spi-lxc-cli", ms);
        } else {
          totals.add(ms);
        }
      }
      long[] v = totals.stream().mapToLong(Long::longValue).sorted().toArray();
      System.out.printf("%-13s warm  total median %d ms (min %d, max %d)%n", "spi-lxc-cli",
          v[v.length / 2], v[0], v[v.length - 1]);
    } finally {
      Files2.deleteTree(root);
    }
  }

  private static void bench(String mode, int cycles) throws Exception {
    Path root = Fixtures.tempRoot();
    try {
      Runner runner = Runner.of(RunnerConfig.builder().root(root)
          .runtime(mode.equals("plain") ? RuntimeKind.PLAIN : RuntimeKind.LXC).build());
      Path src = Fixtures.tree(Files.createTempDirectory(root, "src"), Map.of("www/index.html", "hello\n",
          "Procfile", "web: exec busybox httpd -f -p $PORT -h www\n"));
      Path build = Fixtures.tar(src, root.resolve("build.tar.gz"));
      String image = "";
      if (mode.equals("lxc-image")) {
        Path img = Fixtures.busyboxImage(Files.createTempDirectory(root, "image"));
        image = "image_name: busybox\nimage_url: " + img + "\nimage_sha256: " + Files2.digest(img, "SHA-256") + "\n";
      }
      List<long[]> warm = new ArrayList<>();
      for (int i = 0; i <= cycles; i++) {
        long[] t = cycle(runner, root, build, image, i);
        if (i == 0) {
          System.out.printf("%-13s cold  setup %4d ms  run->http %4d ms  stop+teardown %4d ms  total %4d ms%n",
              mode, t[0], t[1], t[2], t[0] + t[1] + t[2]);
        } else {
          warm.add(t);
        }
      }
      String[] names = {"setup", "run->http", "stop+teardown", "total"};
      StringBuilder line = new StringBuilder(String.format("%-13s warm", mode));
      for (int k = 0; k < 4; k++) {
        final int idx = k;
        long[] v = warm.stream().mapToLong(t -> idx == 3 ? t[0] + t[1] + t[2] : t[idx]).sorted().toArray();
        line.append(String.format("  %s median %d ms (min %d, max %d)", names[k], v[v.length / 2], v[0], v[v.length - 1]));
      }
      System.out.println(line);
    } finally {
      Files2.deleteTree(root);
    }
  }

  private static long[] cycle(Runner runner, Path root, Path build, String image, int i) throws Exception {
    int port = Fixtures.freePort();
    Path dir = Files.createDirectories(root.resolve("procs").resolve("bench.web" + i));
    Path yaml = Files.writeString(dir.resolve("proc.yaml"), "app_name: bench\nproc_name: web\nport: " + port
        + "\nbuild_url: " + build + "\nbuild_sha256: " + Files2.digest(build, "SHA-256") + "\n" + image);
    long t0 = System.nanoTime();
    runner.setup(yaml);
    long t1 = System.nanoTime();
    Process p = new ProcessBuilder(runner.runArgv(yaml)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = t1 + Duration.ofSeconds(20).toNanos();
    while (Fixtures.get(port, "/index.html").isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("proc did not answer within 20 s");
      }
      LockSupport.parkNanos(1_000_000);
    }
    long t2 = System.nanoTime();
    p.destroy();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("proc did not stop on SIGTERM");
    }
    runner.teardown(yaml);
    long t3 = System.nanoTime();
    return new long[] {ms(t1 - t0), ms(t2 - t1), ms(t3 - t2)};
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
