package io.velociraptor.lxc;

import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.OneShot;
import io.velociraptor.core.testing.SshdFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Benchmark (not a test): the wall-clock cost of one {@link ContainerRuntime#runOneShot} of
 * {@code /bin/true} (as {@code nobody}, one writable directory, no network) through each runtime,
 * over a local runner and through a private sshd, next to the bare cost of running
 * {@code /bin/true} and {@code lxc-execute} of it through the same runner. 5 warm-up runs, then N
 * measured; prints median, 10th and 90th percentile. Run as root with
 * {@code vr-lxc/bench/oneshot-bench.sh [runs]}.
 */
public final class OneShotBenchmark {
  private OneShotBenchmark() {}

  /**
   * @param args optional number of measured runs per case (default 50)
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    System.out.printf("one-shot benchmark: %d runs per case, %d cores, %s%n", runs,
        Runtime.getRuntime().availableProcessors(), java.time.Instant.now());
    Path root = Fixtures.tempRoot();
    Path work = Files.createDirectories(root.resolve("work"));
    OneShot job = OneShot.builder().argv("/bin/true").workingDir(work.toString())
        .addWritableDir(work.toString()).user("nobody").timeout(Duration.ofSeconds(30)).build();
    ContainerRuntime lxc = RunnerInstall.builder().root(root).runtime(RuntimeKind.LXC).build()
        .runtime(Duration.ofMinutes(1));
    ContainerRuntime plain = RunnerInstall.builder().root(root).runtime(RuntimeKind.PLAIN).build()
        .runtime(Duration.ofMinutes(1));
    try (LocalCommandRunner local = LocalCommandRunner.builder().root(root).build()) {
      report("local: /bin/true through the runner (baseline)", runs,
          () -> local.run(Command.of("/bin/true")));
      Command ready = readyContainer(root, work);
      report("local: lxc-execute of a ready container (baseline)", runs, () -> local.run(ready));
      report("local: plain runtime", runs, () -> plain.runOneShot(local, job, LineListener.ignoring()));
      report("local: lxc runtime", runs, () -> lxc.runOneShot(local, job, LineListener.ignoring()));
    }
    if (SshdFixture.available()) {
      try (SshdFixture sshd = SshdFixture.start();
          CommandRunner ssh = sshd.runnerBuilder().root(root.toString()).build()) {
        report("ssh: /bin/true through the runner (baseline)", runs,
            () -> ssh.run(Command.of("/bin/true")));
        report("ssh: plain runtime", runs, () -> plain.runOneShot(ssh, job, LineListener.ignoring()));
        report("ssh: lxc runtime", runs, () -> lxc.runOneShot(ssh, job, LineListener.ignoring()));
      }
    }
    Files2.deleteTree(root);
  }

  /** A container directory and rcfile made once, as the LXC runtime makes one per call. */
  private static Command readyContainer(Path root, Path work) {
    try {
      Path dir = Files.createDirectories(root.resolve("ready"));
      Files.createDirectories(dir.resolve("rootfs"));
      Files.createDirectories(dir.resolve("lxcpath"));
      List<String> binds = new ArrayList<>();
      for (String d : OneShots.HOST_DIRS) {
        Path host = Path.of(d);
        if (Files.isSymbolicLink(host)) {
          Files.createSymbolicLink(dir.resolve("rootfs" + d), Files.readSymbolicLink(host));
        } else if (Files.isDirectory(host)) {
          binds.add(d);
        }
      }
      int[] ids = {65534, 65534};
      String rc = new OneShotConfig("vr-bench", dir.resolve("rootfs").toString(),
          dir.resolve("lxc.log").toString(), binds, List.of(work.toString()),
          LxcConfig.Network.NONE, java.util.Optional.of(new OneShotConfig.Ids(ids[0], ids[1])),
          work.toString()).render();
      Files.writeString(dir.resolve("config"), rc);
      return Command.of("lxc-execute", "-n", "vr-bench", "-P", dir.resolve("lxcpath").toString(),
          "-f", dir.resolve("config").toString(), "--", "/bin/true");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void report(String what, int runs, Supplier<CommandResult> run) {
    List<Long> ms = new ArrayList<>();
    for (int i = 0; i < runs + 5; i++) {
      long t0 = System.nanoTime();
      CommandResult r = run.get();
      long took = (System.nanoTime() - t0) / 1_000_000;
      if (!r.succeeded()) {
        throw new IllegalStateException(what + " failed: " + r + " " + r.stderr());
      }
      if (i >= 5) {
        ms.add(took);
      }
    }
    ms.sort(null);
    System.out.printf("%-48s median %4d ms   p10 %4d ms   p90 %4d ms   (min %d, max %d)%n", what,
        ms.get(ms.size() / 2), ms.get(ms.size() / 10), ms.get(ms.size() * 9 / 10), ms.get(0),
        ms.get(ms.size() - 1));
  }
}
