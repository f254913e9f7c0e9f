package io.velociraptor.lxc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.velociraptor.core.local.LocalExec;
import io.velociraptor.core.model.Procfile;
import io.velociraptor.core.spi.UptestResult;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of a proc: {@code setup}, {@code run}, {@code uptest}, {@code teardown} and
 * {@code shell} on a proc.yaml at {@code <root>/procs/<name>/proc.yaml}, with LXC or as a
 * plain process. Supervisor's {@code command=} runs {@link #runArgv}.
 */
@SuppressWarnings("try") // the proc lock is held for the block, never referenced
public final class Runner {
  private static final Logger LOG = LoggerFactory.getLogger(Runner.class);
  private static final List<String> HOST_DIRS = List.of(
      "/bin", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/sbin", "/usr");
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

  private final RunnerConfig config;
  private final boolean root;
  // FileChannel locks are per process: threads of one JVM unpacking the same build take turns here
  private final Object unpackTurn = new Object();

  private Runner(RunnerConfig config) {
    this.config = config;
    this.root = "root".equals(System.getProperty("user.name"));
  }

  /**
   * A runner with these settings.
   *
   * @param config where procs live, which runtime, allowed volume roots
   * @return a runner
   */
  public static Runner of(RunnerConfig config) {
    return new Runner(config);
  }

  /** This runner's settings. */
  public RunnerConfig config() {
    return config;
  }

  /**
   * Prepares the proc: fetches and checks the build (and image), unpacks each once, creates the
   * proc directory and container root, writes env.sh, settings.yaml, the start script, the LXC
   * config and, last, run.sh. Holds the proc's lock throughout.
   *
   * @param procYaml {@code <root>/procs/<name>/proc.yaml}
   * @throws RunnerException for a bad or hostile proc.yaml, a checksum mismatch, an unsafe
   *     tarball, a locked proc, or a host that cannot enforce the requested limits
   */
  public void setup(Path procYaml) {
    ProcPaths paths = ProcPaths.of(config.root(), procYaml);
    if (config.runtime() == RuntimeKind.LXC && !root) {
      throw RunnerException.failed(paths.procYaml().toString(), "the LXC runtime must run as root"
          + " (Supervisor's program user=root); use the plain runtime on machines without root");
    }
    try (ProcLock ignored = ProcLock.takeForSetup(paths)) {
      ProcYaml proc = ProcYaml.read(paths.procYaml(), config.hostEnv());
      checkVolumes(proc);
      Files2.deleteTree(paths.runSh());
      if (config.runtime() == RuntimeKind.LXC) {
        setupLxc(paths, proc);
      } else {
        setupPlain(paths, proc);
      }
    }
  }

  /**
   * Returns the argv Supervisor's {@code command=} runs: the proc's run.sh, which keeps the
   * container (or process) in the foreground and stops it on SIGTERM.
   *
   * @param procYaml the proc's proc.yaml
   * @return the argv Supervisor's {@code command=} runs: the proc's run.sh, which keeps the
   *     container (or process) in the foreground and stops it on SIGTERM
   * @throws RunnerException if the path is not a proc.yaml under the runner's root
   */
  public List<String> runArgv(Path procYaml) {
    return List.of(ProcPaths.of(config.root(), procYaml).runSh().toString());
  }

  /**
   * Runs the proc in the foreground, in this process's stdio, until it exits; SIGTERM to this
   * JVM is passed on, so Supervisor can stop it.
   *
   * @param procYaml the proc's proc.yaml
   * @return the proc's exit code
   * @throws RunnerException if setup has not completed
   */
  public int run(Path procYaml) {
    ProcPaths paths = ProcPaths.of(config.root(), procYaml);
    try (ProcLock ignored = ProcLock.take(paths)) {
      requireSetUp(paths);
    }
    return foreground(List.of(paths.runSh().toString()));
  }

  /**
   * Opens an interactive shell in an environment identical to the proc's.
   *
   * @param procYaml the proc's proc.yaml
   * @return the shell's exit code
   * @throws RunnerException if setup has not completed
   */
  public int shell(Path procYaml) {
    return foreground(shellArgv(procYaml));
  }

  /** The argv of an interactive shell in an environment identical to the proc's. */
  List<String> shellArgv(Path procYaml) {
    ProcPaths paths = ProcPaths.of(config.root(), procYaml);
    requireSetUp(paths);
    if (config.runtime() == RuntimeKind.PLAIN) {
      return List.of(paths.runSh().toString(), "shell");
    }
    Path rc = ephemeralContainer(paths, "shell");
    return List.of("lxc-execute", "-n", paths.name + "-shell", "-P",
        paths.lxcPath().toString(), "-f", rc.toString(), "--", "/vr/start.sh", "exec", "/bin/sh");
  }

  /**
   * Runs every executable in the build's {@code uptests/<proc_name>/}, sorted by name, each as
   * {@code <script> <host> <port>} in the proc's environment, each with its own timeout.
   *
   * @param procYaml the proc's proc.yaml
   * @param perTest how long one script may run before it is killed and counted as failed
   * @return one result per script, in name order; empty when there are no uptests
   * @throws RunnerException if setup has not completed or another runner command holds the
   *     proc's lock
   */
  public List<UptestResult> uptest(Path procYaml, Duration perTest) {
    ProcPaths paths = ProcPaths.of(config.root(), procYaml);
    // the lock keeps a second uptest (same container name) and teardown out; run does not hold it
    try (ProcLock ignored = ProcLock.take(paths)) {
      return uptestLocked(paths, perTest);
    }
  }

  private List<UptestResult> uptestLocked(ProcPaths paths, Duration perTest) {
    requireSetUp(paths);
    ProcYaml proc = ProcYaml.read(paths.procYaml(), config.hostEnv());
    if (proc.procName.isEmpty()) {
      return List.of();
    }
    Path appOnHost = config.runtime() == RuntimeKind.PLAIN ? paths.plainApp() : appLower(paths);
    String rel = "uptests/" + proc.procName.get();
    Path testsDir = appOnHost.resolve(rel);
    List<String> tests = Files2.isRealDirBelow(appOnHost, rel) ? listUptests(testsDir) : List.of();
    String host = proc.host.orElse("127.0.0.1");
    String port = Integer.toString(proc.port);
    List<UptestResult> results = new ArrayList<>();
    for (String test : tests) {
      results.add(config.runtime() == RuntimeKind.PLAIN
          ? runPlainUptest(paths, testsDir.resolve(test), host, port, perTest)
          : runLxcUptest(paths, proc.procName.get(), test, host, port, perTest));
    }
    return List.copyOf(results);
  }

  /**
   * Stops and destroys the container (or the proc's processes), then removes the proc
   * directory. Idempotent: a missing proc.yaml or directory is fine.
   *
   * @param procYaml the proc's proc.yaml (it may be gone)
   * @throws RunnerException if the container does not stop or something is still mounted in
   *     the proc directory
   */
  public void teardown(Path procYaml) {
    ProcPaths paths = ProcPaths.of(config.root(), procYaml);
    if (!Files.isDirectory(paths.dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (ProcLock ignored = ProcLock.take(paths)) {
      Files2.deleteTree(paths.runSh());
      if (config.runtime() == RuntimeKind.LXC) {
        for (String suffix : List.of("", "-uptest", "-shell")) {
          stopContainer(paths, paths.name + suffix);
        }
      } else {
        stopPlainCgroup(paths);
      }
      String mounted = mountsUnder(paths.dir);
      if (!mounted.isEmpty()) {
        throw RunnerException.failed(paths.dir.toString(), "not removing " + paths.dir
            + ": still mounted there: " + mounted + "; unmount them and run teardown again");
      }
      Files2.deleteTree(paths.dir);
    }
    LOG.info("tore down proc {}", paths.name);
  }

  // ---- setup ------------------------------------------------------------------------------

  private void setupLxc(ProcPaths paths, ProcYaml proc) {
    Optional<Path> build;
    Optional<Path> image;
    synchronized (unpackTurn) {
      build = proc.buildUrl.map(url -> Artifacts.unpackOnce(
          Artifacts.fetch("build_url", url, proc.buildMd5, proc.buildSha256, paths.builds(),
              config.downloadTimeout()),
          paths.unpacked(), dir -> { }));
      image = proc.imageUrl.map(url -> Artifacts.unpackOnce(
          Artifacts.fetch("image_url", url, proc.imageMd5, proc.imageSha256,
              config.root().resolve("images"), config.downloadTimeout()),
          config.root().resolve("images").resolve("unpacked"), Runner::fixImage));
    }
    Path appLower = build.orElseGet(() -> emptyDir(paths.unpacked().resolve("empty")));
    for (Path d : List.of(paths.vr(), paths.rootfs(), paths.appUpper(), paths.appWork(),
        paths.lxcPath())) {
      Files2.mkdirs(d);
    }
    int[] ids = Passwd.resolve(etcOf(image), proc.user, proc.group);
    chown(paths.appUpper(), ids);
    List<String> binds = image.isPresent() ? List.of() : hostRootInto(paths.rootfs());
    for (String d : List.of("dev", "proc", "sys", "tmp")) {
      Files2.mkdirs(paths.rootfs().resolve(d));
    }
    String command = command(proc, appLower);
    writeVrFiles(paths.vr(), proc, "/app", "/vr", command, Optional.of(ids));
    Files2.writeAtomically(paths.vr().resolve("init"), Scripts.initSh("/vr"), "rwxr-xr-x");
    Files2.writeAtomically(paths.dir.resolve("app.lower"), appLower + "\n", "rw-r--r--");
    LxcConfig rc = lxcConfig(paths, proc, paths.name, image, binds, paths.rootfs(),
        paths.appUpper(), paths.appWork(), appLower, ids);
    Files2.writeAtomically(paths.rcFile(), rc.render(), "rw-r--r--");
    Files2.writeAtomically(paths.runSh(),
        Scripts.lxcRunSh(paths.name, paths.lxcPath().toString(), paths.rcFile().toString()),
        "rwxr-xr-x");
    LOG.info("set up LXC proc {} (build {}, image {})", paths.name,
        build.map(Path::getFileName).orElse(null), image.map(Path::getFileName).orElse(null));
  }

  private LxcConfig lxcConfig(ProcPaths paths, ProcYaml proc, String name, Optional<Path> image,
      List<String> binds, Path rootfsDir, Path appUpper, Path appWork, Path appLower, int[] ids) {
    List<String> hostFiles = new ArrayList<>();
    if (image.isPresent() && config.hostNetwork()) {
      for (String f : List.of("/etc/hosts", "/etc/resolv.conf")) {
        if (Files.isRegularFile(Path.of(f))) {
          hostFiles.add(f);
        }
      }
    }
    return new LxcConfig(name,
        new LxcConfig.Rootfs(image.map(Path::toString), rootfsDir.toString()),
        binds, List.copyOf(hostFiles),
        new LxcConfig.Overlay(appLower.toString(), appUpper.toString(), appWork.toString()),
        paths.vr().toString(), proc.volumes,
        config.hostNetwork() ? LxcConfig.Network.HOST : LxcConfig.Network.NONE,
        Cgroups.detect(config.sysFsCgroup()), proc.memLimit, proc.memswLimit, ids[0], ids[1],
        paths.lxcLog().toString());
  }

  private void setupPlain(ProcPaths paths, ProcYaml proc) {
    Files2.deleteTree(paths.plainApp());
    Files2.mkdirs(paths.plainApp());
    Files2.mkdirs(paths.vr());
    proc.buildUrl.ifPresent(url -> SafeUntar.extract(
        Artifacts.fetch("build_url", url, proc.buildMd5, proc.buildSha256, paths.builds(),
            config.downloadTimeout()).file(), paths.plainApp()));
    for (ProcYaml.VolumeSpec v : proc.volumes) {
      if (!v.hostDir().equals(v.containerDir())) {
        throw RunnerException.badValue("volume container dir", v.containerDir(),
            "differs from its host dir " + v.hostDir() + "; the plain runtime has no private root,"
                + " so a volume is seen at its host path; use [dir, dir] or the LXC runtime");
      }
    }
    Optional<int[]> ids = Optional.empty();
    if (root) {
      int[] resolved = Passwd.resolve(Path.of("/etc"), proc.user, proc.group);
      chownTree(paths.plainApp(), resolved);
      ids = Optional.of(resolved);
    } else {
      LOG.warn("plain runtime not running as root: proc {} runs as the current user, not {}",
          paths.name, proc.user);
    }
    Optional<String> cgroup = plainMemoryCgroup(paths, proc);
    String command = command(proc, paths.plainApp());
    writeVrFiles(paths.vr(), proc, paths.plainApp().toString(), paths.vr().toString(), command, ids);
    List<String> readOnly = proc.volumes.stream().filter(ProcYaml.VolumeSpec::readOnly)
        .map(ProcYaml.VolumeSpec::hostDir).toList();
    if (!readOnly.isEmpty() && !root) {
      throw RunnerException.badValue("volumes", readOnly.get(0),
          "is read-only, which the plain runtime can only enforce when run as root");
    }
    Files2.writeAtomically(paths.runSh(), Scripts.plainRunSh(paths.name,
        paths.vr().resolve("start.sh").toString(), cgroup, ids, readOnly), "rwxr-xr-x");
    LOG.info("set up plain proc {}", paths.name);
  }

  /**
   * When root, every plain proc gets its own memory cgroup: it carries the limits, and teardown
   * finds every process the proc left behind through it.
   */
  private Optional<String> plainMemoryCgroup(ProcPaths paths, ProcYaml proc) {
    LxcConfig.Cgroup mode = Cgroups.detect(config.sysFsCgroup());
    if (!root || mode == LxcConfig.Cgroup.NONE) {
      if (proc.memLimit.isPresent() || proc.memswLimit.isPresent()) {
        LOG.warn("plain runtime cannot enforce mem_limit/memsw_limit for proc {} here (root: {},"
            + " memory cgroup: {}); it runs without a limit", paths.name, root, mode);
      }
      return Optional.empty();
    }
    Path cg = Cgroups.plainCgroupDir(config.sysFsCgroup(), mode, paths.name);
    Files2.mkdirs(cg);
    try {
      if (mode == LxcConfig.Cgroup.V1) {
        if (proc.memLimit.isPresent()) {
          Files.writeString(cg.resolve("memory.limit_in_bytes"), Long.toString(proc.memLimit.get()));
        }
        if (proc.memswLimit.isPresent()) {
          Files.writeString(cg.resolve("memory.memsw.limit_in_bytes"), Long.toString(proc.memswLimit.get()));
        }
      } else {
        if (proc.memLimit.isPresent()) {
          Files.writeString(cg.resolve("memory.max"), Long.toString(proc.memLimit.get()));
        }
        if (proc.memswLimit.isPresent()) {
          Files.writeString(cg.resolve("memory.swap.max"),
              Long.toString(proc.memswLimit.get() - proc.memLimit.orElse(0L)));
        }
      }
    } catch (IOException e) {
      throw RunnerException.failed(cg.toString(), "cannot set memory limits in " + cg + ": " + e, e);
    }
    return Optional.of(cg.toString());
  }

  /** env.sh holds the proc's secrets: only its run-as user (the owner, when known) may read it. */
  private void writeVrFiles(Path vr, ProcYaml proc, String appDir, String vrDir, String command,
      Optional<int[]> owner) {
    Path env = vr.resolve("env.sh");
    Files2.writeAtomically(env, Scripts.envSh(proc.env), "rw-------");
    owner.ifPresent(ids -> chown(env, ids));
    Files2.writeAtomically(vr.resolve("settings.yaml"), settingsYaml(proc.settings), "rw-r--r--");
    Files2.writeAtomically(vr.resolve("start.sh"),
        Scripts.startSh(appDir, vrDir, proc.port, command), "rwxr-xr-x");
  }

  static String settingsYaml(JsonNode settings) {
    try {
      ObjectMapper yaml = new ObjectMapper(new YAMLFactory()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
      return settings.isNull() ? "{}\n" : yaml.writeValueAsString(settings);
    } catch (IOException e) {
      throw RunnerException.failed("settings", "cannot write settings as YAML: " + e, e);
    }
  }

  /** The proc's command: {@code cmd}, or its line in the build's Procfile. */
  static String command(ProcYaml proc, Path app) {
    if (proc.cmd.isPresent()) {
      return proc.cmd.get();
    }
    String type = proc.procName.get();
    Path procfile = app.resolve("Procfile");
    if (!Files.isRegularFile(procfile, LinkOption.NOFOLLOW_LINKS)) {
      throw RunnerException.badValue("proc_name", type,
          "has no command: proc.yaml has no cmd and the build has no Procfile");
    }
    // lenient: builds the original made were never checked against the strict rules
    Map<String, String> types =
        Procfile.parseLenient(Files2.readSmallText(procfile, 1 << 20)).processTypes();
    String line = types.get(type);
    if (line == null) {
      throw RunnerException.badValue("proc_name", type,
          "is not in the build's Procfile, which has " + types.keySet());
    }
    return line;
  }

  private void checkVolumes(ProcYaml proc) {
    for (ProcYaml.VolumeSpec v : proc.volumes) {
      Path host = Path.of(v.hostDir());
      boolean allowed = config.volumeRoots().stream().anyMatch(host::startsWith);
      if (!allowed) {
        throw RunnerException.badValue("volume host dir", v.hostDir(),
            "is not under an allowed volume root " + config.volumeRoots()
                + "; allow it on the runner (--volume-root) or use another directory");
      }
      Path real;
      try {
        real = host.toRealPath();
      } catch (IOException e) {
        throw RunnerException.badValue("volume host dir", v.hostDir(), "does not exist on this host");
      }
      if (!Files.isDirectory(real)
          || config.volumeRoots().stream().noneMatch(r -> real.startsWith(realOrSelf(r)))) {
        throw RunnerException.badValue("volume host dir", v.hostDir(),
            "resolves to " + real + ", which is not a directory under an allowed volume root");
      }
    }
  }

  private static Path realOrSelf(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p;
    }
  }

  /** Mirrors the host's top-level system dirs into an image-less root: symlinks as symlinks. */
  private static List<String> hostRootInto(Path rootfs) {
    List<String> binds = new ArrayList<>();
    for (String d : HOST_DIRS) {
      Path host = Path.of(d);
      Path inside = rootfs.resolve(d.substring(1));
      try {
        if (Files.isSymbolicLink(host)) {
          if (!Files.isSymbolicLink(inside)) {
            Files2.deleteTree(inside);
            Files.createSymbolicLink(inside, Files.readSymbolicLink(host));
          }
        } else if (Files.isDirectory(host)) {
          binds.add(d);
        }
      } catch (IOException e) {
        throw RunnerException.failed(inside.toString(), "cannot prepare " + inside + ": " + e, e);
      }
    }
    return List.copyOf(binds);
  }

  /** Images get the host's resolv.conf bind-mounted; LXC refuses to mount over a symlink. */
  private static void fixImage(Path contents) {
    if (!Files2.isRealDirBelow(contents, "etc")) {
      return; // no etc, or a symlink we must not follow on the host
    }
    for (String f : List.of("etc/resolv.conf", "etc/hosts")) {
      Path p = contents.resolve(f);
      try {
        if (Files.isSymbolicLink(p)) {
          Files.delete(p);
          Files.createFile(p);
        }
      } catch (IOException e) {
        throw RunnerException.failed(p.toString(), "cannot replace symlink " + p + ": " + e, e);
      }
    }
  }

  /** The image's etc (never through a symlink), or the host's when there is no image. */
  private static Path etcOf(Optional<Path> image) {
    if (image.isEmpty()) {
      return Path.of("/etc");
    }
    if (!Files2.isRealDirBelow(image.get(), "etc")) {
      throw RunnerException.failed(image.get().toString(), "the image " + image.get()
          + " has no etc directory (or it is a symlink), so its users cannot be resolved");
    }
    return image.get().resolve("etc");
  }

  private static Path emptyDir(Path p) {
    Files2.mkdirs(p);
    return p;
  }

  private Path appLower(ProcPaths paths) {
    return Path.of(Files2.readSmallText(paths.dir.resolve("app.lower"), 4096).strip());
  }

  private void chown(Path p, int[] ids) {
    if (root) {
      check(List.of("chown", "-h", ids[0] + ":" + ids[1], "--", p.toString()), TOOL_TIMEOUT);
    }
  }

  private void chownTree(Path p, int[] ids) {
    check(List.of("chown", "-R", "-h", ids[0] + ":" + ids[1], "--", p.toString()), TOOL_TIMEOUT);
  }

  /**
   * Runs a host tool here ({@link LocalExec#runHere}): in the runner's environment and session,
   * stdout and stderr together, killed with its descendants at the time limit.
   */
  static LocalExec.Result exec(List<String> argv, Duration timeout, Runnable onTimeout) {
    try {
      return LocalExec.runHere(argv, timeout, onTimeout);
    } catch (IOException e) {
      throw RunnerException.failed(argv.get(0), Thread.currentThread().isInterrupted()
          ? "interrupted while running " + argv.get(0)
          : "cannot start " + argv.get(0) + ": " + e, e);
    }
  }

  /** Runs a host tool and requires exit 0; the message names the command and shows its output. */
  static String check(List<String> argv, Duration timeout) {
    LocalExec.Result r = exec(argv, timeout, () -> { });
    if (r.timedOut() || r.exitCode() != 0) {
      throw RunnerException.failed(argv.get(0), String.join(" ", argv)
          + (r.timedOut() ? " timed out after " + timeout.toMillis() + " ms" : " exited " + r.exitCode())
          + ": " + r.output().strip());
    }
    return r.output();
  }

  private static void requireSetUp(ProcPaths paths) {
    if (!Files.isRegularFile(paths.runSh(), LinkOption.NOFOLLOW_LINKS)) {
      throw RunnerException.failed(paths.dir.toString(),
          "proc " + paths.name + " is not set up (no " + paths.runSh() + "); run setup first");
    }
  }

  // ---- uptests ----------------------------------------------------------------------------

  private static List<String> listUptests(Path dir) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.startsWith(".")) {
          continue;
        }
        // a symlink is resolved where the uptest runs (inside the container), not on the host
        if (Files.isSymbolicLink(p)
            || (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(p))) {
          names.add(n);
        } else {
          LOG.warn("skipping uptest {}: not an executable file", p);
        }
      }
    } catch (IOException e) {
      throw RunnerException.failed(dir.toString(), "cannot list uptests in " + dir + ": " + e, e);
    }
    names.sort(null);
    return names;
  }

  private UptestResult runPlainUptest(ProcPaths paths, Path script, String host, String port,
      Duration perTest) {
    LocalExec.Result r = exec(List.of(paths.runSh().toString(), "exec", script.toString(),
        host, port), perTest, () -> { });
    return result(script.getFileName().toString(), r, perTest);
  }

  private UptestResult runLxcUptest(ProcPaths paths, String procName, String test, String host,
      String port, Duration perTest) {
    Path rc = ephemeralContainer(paths, "uptest");
    String name = paths.name + "-uptest";
    LocalExec.Result r = exec(List.of("lxc-execute", "-n", name, "-P",
            paths.lxcPath().toString(), "-f", rc.toString(), "--", "/vr/start.sh", "exec",
            "/app/uptests/" + procName + "/" + test, host, port),
        perTest, () -> stopContainer(paths, name));
    return result(test, r, perTest);
  }

  private static UptestResult result(String test, LocalExec.Result r, Duration perTest) {
    String out = r.timedOut()
        ? r.output() + "\n[killed: uptest ran longer than " + perTest.toMillis() + " ms]"
        : r.output();
    return UptestResult.of(test, out, r.exitCode(), r.timedOut(), r.durationMs());
  }

  /** A fresh rcfile for a second container over the proc's build, env, volumes and limits. */
  private Path ephemeralContainer(ProcPaths paths, String purpose) {
    ProcYaml proc = ProcYaml.read(paths.procYaml(), config.hostEnv());
    Path dir = paths.uptestDir().resolve(purpose);
    Files2.deleteTree(dir);
    Path upper = dir.resolve("rootfs");
    Path appUpper = dir.resolve("app.upper");
    Path appWork = dir.resolve("app.work");
    for (Path d : List.of(upper, appUpper, appWork)) {
      Files2.mkdirs(d);
    }
    Optional<Path> image = imageOf(paths);
    Path rootfs = image.isPresent() ? upper : paths.rootfs();
    if (image.isPresent()) {
      for (String d : List.of("dev", "proc", "sys", "tmp")) {
        Files2.mkdirs(upper.resolve(d));
      }
    }
    int[] ids = Passwd.resolve(etcOf(image), proc.user, proc.group);
    chown(appUpper, ids);
    List<String> binds = image.isPresent() ? List.of() : hostRootInto(paths.rootfs());
    LxcConfig rc = lxcConfig(paths, proc, paths.name + "-" + purpose,
        image, binds, rootfs, appUpper, appWork, appLower(paths), ids);
    Path file = dir.resolve("proc.lxc");
    Files2.writeAtomically(file, rc.render(), "rw-r--r--");
    return file;
  }

  private static Optional<Path> imageOf(ProcPaths paths) {
    String rc = Files2.readSmallText(paths.rcFile(), 1 << 20);
    for (String line : rc.split("\n")) {
      if (line.startsWith("lxc.rootfs.path = overlay:")) {
        String v = line.substring("lxc.rootfs.path = overlay:".length());
        return Optional.of(Path.of(v.substring(0, v.lastIndexOf(':'))));
      }
    }
    return Optional.empty();
  }

  // ---- stopping ---------------------------------------------------------------------------

  private void stopContainer(ProcPaths paths, String name) {
    if (!Files.isDirectory(paths.lxcPath())) {
      return;
    }
    String state = exec(List.of("lxc-info", "-n", name, "-P", paths.lxcPath().toString(),
        "-s"), TOOL_TIMEOUT, () -> { }).output();
    if (!state.contains("RUNNING") && !state.contains("STOPPING") && !state.contains("STARTING")) {
      // lxc-info asks the container's monitor (lxc-execute); when that was killed (an OOM kill,
      // a kill -9 of the program), the container's init and app live on, orphaned, in its
      // payload cgroup, holding the proc's port: end them there
      killPayload(name);
      return;
    }
    LocalExec.Result r = exec(List.of("lxc-stop", "-n", name, "-P",
        paths.lxcPath().toString(), "-k"), config.stopTimeout(), () -> { });
    String after = exec(List.of("lxc-info", "-n", name, "-P", paths.lxcPath().toString(),
        "-s"), TOOL_TIMEOUT, () -> { }).output();
    if (after.contains("RUNNING")) {
      throw RunnerException.failed(name, "container " + name + " is still running after lxc-stop -k"
          + " (exit " + r.exitCode() + "): " + r.output().strip());
    }
    killPayload(name); // whatever the stop left (nothing, normally)
  }

  /**
   * Kills every process left in the container's payload cgroups ({@code lxc.payload.NAME}, or
   * {@code lxc.payload.NAME-N} when LXC found the name taken), in each mounted hierarchy, until
   * none is left, then removes those cgroups and the monitor's (empty ones LXC leaves behind
   * when its monitor was killed).
   */
  private void killPayload(String name) {
    List<Path> cgroups = lxcCgroups(name);
    long deadline = System.nanoTime() + config.stopTimeout().toNanos();
    for (Path cg : cgroups) {
      if (!cg.getFileName().toString().startsWith("lxc.payload.")) {
        continue;
      }
      while (true) {
        List<ProcessHandle> left = cgroupTreeProcs(cg);
        if (left.isEmpty()) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw RunnerException.failed(cg.toString(), "processes " + left.stream()
              .map(h -> Long.toString(h.pid())).toList() + " of container " + name
              + " survived SIGKILL for " + config.stopTimeout().toMillis() + " ms");
        }
        LOG.warn("container {}: its monitor is gone; killing {} processes left in {}", name, left.size(), cg);
        for (ProcessHandle h : left) {
          h.destroyForcibly();
          h.onExit().completeOnTimeout(h, 200, TimeUnit.MILLISECONDS).join();
        }
      }
    }
    for (Path cg : cgroups) {
      removeEmptyCgroupTree(cg);
    }
  }

  /** The container's payload and monitor cgroups in every hierarchy under /sys/fs/cgroup. */
  private List<Path> lxcCgroups(String name) {
    java.util.regex.Pattern own = java.util.regex.Pattern.compile(
        "lxc\\.(payload|monitor)\\." + java.util.regex.Pattern.quote(name) + "(-[0-9]+)?");
    List<Path> hierarchies = new java.util.ArrayList<>();
    hierarchies.add(config.sysFsCgroup()); // cgroup v2 mounted there
    try (var dirs = Files.list(config.sysFsCgroup())) {
      dirs.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)).forEach(hierarchies::add);
    } catch (IOException e) {
      return List.of();
    }
    List<Path> found = new java.util.ArrayList<>();
    for (Path h : hierarchies) {
      try (var dirs = Files.list(h)) {
        dirs.filter(d -> own.matcher(d.getFileName().toString()).matches()
            && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)).forEach(found::add);
      } catch (IOException e) {
        // a hierarchy that cannot be listed holds nothing of ours to find
      }
    }
    return found;
  }

  /** The processes of a cgroup and of every cgroup below it. */
  private static List<ProcessHandle> cgroupTreeProcs(Path cg) {
    try (var tree = Files.walk(cg)) {
      return tree.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS))
          .flatMap(d -> cgroupProcs(d).stream()).toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      return List.of();
    }
  }

  /** Removes a cgroup and those below it, deepest first, where they are empty. */
  private static void removeEmptyCgroupTree(Path cg) {
    try (var tree = Files.walk(cg)) {
      for (Path d : tree.filter(x -> Files.isDirectory(x, LinkOption.NOFOLLOW_LINKS))
          .sorted(java.util.Comparator.reverseOrder()).toList()) {
        try {
          Files.deleteIfExists(d); // rmdir: a cgroup with processes or children refuses, which is fine
        } catch (IOException e) {
          LOG.debug("cgroup {} not removed: {}", d, e.toString());
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      LOG.debug("cgroup {} not walked: {}", cg, e.toString());
    }
  }

  private void stopPlainCgroup(ProcPaths paths) {
    LxcConfig.Cgroup mode = Cgroups.detect(config.sysFsCgroup());
    if (mode == LxcConfig.Cgroup.NONE) {
      return;
    }
    Path cg = Cgroups.plainCgroupDir(config.sysFsCgroup(), mode, paths.name);
    if (!Files.isDirectory(cg)) {
      return;
    }
    long deadline = System.nanoTime() + config.stopTimeout().toNanos();
    while (true) {
      List<ProcessHandle> left = cgroupProcs(cg);
      if (left.isEmpty()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw RunnerException.failed(cg.toString(), "processes " + left.stream()
            .map(h -> Long.toString(h.pid())).toList() + " of proc " + paths.name
            + " survived SIGKILL for " + config.stopTimeout().toMillis() + " ms");
      }
      for (ProcessHandle h : left) {
        h.destroyForcibly();
        h.onExit().completeOnTimeout(h, 200, TimeUnit.MILLISECONDS).join();
      }
    }
    try {
      Files.deleteIfExists(cg);
    } catch (IOException e) {
      throw RunnerException.failed(cg.toString(), "cannot remove cgroup " + cg + ": " + e, e);
    }
  }

  private static List<ProcessHandle> cgroupProcs(Path cg) {
    try {
      return Files.readAllLines(cg.resolve("cgroup.procs")).stream().filter(s -> !s.isBlank())
          .map(s -> ProcessHandle.of(Long.parseLong(s.trim()))).flatMap(Optional::stream).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  static String mountsUnder(Path dir) {
    try {
      String prefix = dir.toRealPath().toString() + "/";
      return String.join(", ", Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .map(l -> l.split(" ")[4]).filter(m -> m.startsWith(prefix) || (m + "/").equals(prefix))
          .sorted().toList());
    } catch (IOException e) {
      return "";
    }
  }

  private static int foreground(List<String> argv) {
    Child child = new Child();
    Thread forward = new Thread(child::stop, "vr-forward-sigterm");
    Runtime.getRuntime().addShutdownHook(forward);
    Process p;
    try {
      p = child.start(new ProcessBuilder(argv).inheritIO());
    } catch (IOException e) {
      removeHook(forward);
      throw RunnerException.failed(argv.get(0), "cannot start " + argv.get(0) + ": " + e, e);
    }
    if (p == null) {
      return 143; // SIGTERM came before the child was started
    }
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroy();
      return 130;
    } finally {
      removeHook(forward);
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is already running and will stop the child
    }
  }

  /**
   * The foreground child and the SIGTERM hook that stops it. The hook is in place before the
   * child exists and the child is started under the same lock: a SIGTERM that comes while it is
   * being started stops it too, one that came before keeps it from starting, so it is never
   * orphaned.
   */
  private static final class Child {
    private Process process;
    private boolean stopping;

    /** @return the started child, or null when a stop came first */
    synchronized Process start(ProcessBuilder pb) throws IOException {
      if (!stopping) {
        process = pb.start();
      }
      return process;
    }

    /** Runs in the shutdown hook: SIGTERM to the child, then waits up to 30 s for it. */
    void stop() {
      Process p;
      synchronized (this) {
        stopping = true;
        p = process;
      }
      if (p != null && p.isAlive()) {
        p.destroy();
        try {
          p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** The proc's advisory lock; runner commands on one proc never overlap. */
  private static final class ProcLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private ProcLock(FileChannel channel, FileLock lock) {
      this.channel = channel;
      this.lock = lock;
    }

    /** Takes the lock of a proc that setup made; never creates the proc directory. */
    static ProcLock take(ProcPaths paths) {
      if (!Files.isDirectory(paths.dir, LinkOption.NOFOLLOW_LINKS)) {
        throw RunnerException.failed(paths.procYaml().toString(),
            paths.procYaml() + " is not set up: no proc directory " + paths.dir);
      }
      return open(paths);
    }

    /** Setup's lock: setup is the one command that makes the proc directory. */
    static ProcLock takeForSetup(ProcPaths paths) {
      Files2.mkdirs(paths.dir);
      return open(paths);
    }

    private static ProcLock open(ProcPaths paths) {
      FileChannel ch = null;
      try {
        ch = FileChannel.open(paths.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l = ch.tryLock();
        if (l == null) {
          throw RunnerException.failed(paths.procYaml().toString(),
              paths.procYaml() + " is locked by another runner command; try again when it has finished");
        }
        return new ProcLock(ch, l);
      } catch (OverlappingFileLockException e) {
        close(ch);
        throw RunnerException.failed(paths.procYaml().toString(),
            paths.procYaml() + " is locked by another runner command in this JVM", e);
      } catch (IOException e) {
        close(ch);
        throw RunnerException.failed(paths.lock().toString(), "cannot lock " + paths.lock() + ": " + e, e);
      } catch (RunnerException e) {
        close(ch);
        throw e;
      }
    }

    private static void close(FileChannel ch) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // closing releases the lock; nothing else to do
        }
      }
    }

    @Override
    public void close() {
      try {
        lock.release();
      } catch (IOException ignored) {
        // the channel close below releases it anyway
      }
      close(channel);
    }
  }
}
