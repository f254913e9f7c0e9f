package io.velociraptor.lxc;

import com.fasterxml.jackson.core.type.TypeReference;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandFailedException;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.UptestResult;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the vr runner installed on a host ({@link RunnerInstall}) through a
 * {@link CommandRunner}: uploads proc.yaml (and the build, when it is a file on this machine),
 * then calls the runner's setup, uptest and teardown.
 *
 * <p>Those go to one resident {@code vr-runner serve} per host ({@link RunnerSession}), opened
 * by the first step on that host through {@link CommandRunner#open} and shared by every thread,
 * so a step costs no JVM start. A session that dies fails the steps it was running, naming the
 * host; the next step opens a new one. A session idle for {@link #DEFAULT_IDLE_TIMEOUT} ends, and
 * {@link #close()} ends them all (until the next step). Where the command runner cannot keep a command open, or the
 * host's runner predates {@code serve}, each step is one launcher command, as before.
 */
abstract class RunnerContainerRuntime implements ContainerRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(RunnerContainerRuntime.class);
  /** How long a host's runner session may sit unused before it ends. */
  static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(1);
  /** How long a runner session may take to start (a JVM on a busy host). */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final RuntimeSettings settings;
  private final Object sessionsLock = new Object();
  /** One lock per (host, remote artifact path): concurrent setups of a release upload it once. */
  private final java.util.concurrent.ConcurrentHashMap<String, Object> uploadTurns = new java.util.concurrent.ConcurrentHashMap<>();
  /** Local artifacts' sha256 by (path, size, mtime): a release's procs hash its tarball once. */
  private final java.util.concurrent.ConcurrentHashMap<String, String> digests = new java.util.concurrent.ConcurrentHashMap<>();
  /** Per command runner (one per host), by identity: a session is opened through that runner. */
  private final Map<CommandRunner, Slot> sessions = new IdentityHashMap<>(); // guarded by sessionsLock
  private ScheduledExecutorService reaper; // guarded by sessionsLock; started with the first session
  private volatile Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

  /** A host's session, or that its runner does not serve (until when that is believed). */
  private static final class Slot {
    RunnerSession session; // guarded by this
    long unsupportedUntil; // nanos; guarded by this
    boolean unsupported; // guarded by this
    boolean removed; // out of the map: a step that finds it so takes the map's new slot; guarded by this
  }

  RunnerContainerRuntime(RuntimeSettings settings) {
    this.settings = settings;
  }

  /** Sets how long an unused session lives (tests); also how long "does not serve" is believed. */
  void idleTimeout(Duration idle) {
    this.idleTimeout = idle;
  }

  /** How many hosts have a live runner session (tests). */
  int liveSessions() {
    List<Slot> slots;
    synchronized (sessionsLock) {
      slots = new ArrayList<>(sessions.values());
    }
    // a slot's lock is never taken while holding sessionsLock (closeIdle nests them the other way)
    return (int) slots.stream().filter(s -> {
      synchronized (s) {
        return s.session != null && s.session.alive();
      }
    }).count();
  }

  /**
   * Ends every host's runner session (each finishes the steps it runs, then exits) and the
   * thread that ends idle ones; a later step opens a new session. Idempotent.
   */
  @Override
  public void close() {
    List<Slot> slots;
    synchronized (sessionsLock) {
      slots = new ArrayList<>(sessions.values());
      sessions.clear();
      if (reaper != null) {
        reaper.shutdownNow();
        reaper = null;
      }
    }
    for (Slot slot : slots) {
      synchronized (slot) {
        slot.removed = true;
        if (slot.session != null) {
          slot.session.close();
          slot.session = null;
        }
      }
    }
  }

  /** The host's live session, opening one if needed; empty where steps run as commands. */
  private Optional<RunnerSession> session(CommandRunner host) {
    while (true) {
      Optional<Optional<RunnerSession>> found = trySession(host);
      if (found.isPresent()) {
        return found.get();
      }
    }
  }

  /** {@link #session}, or empty if the slot was taken out of the map meanwhile (try again). */
  private Optional<Optional<RunnerSession>> trySession(CommandRunner host) {
    Slot slot;
    synchronized (sessionsLock) {
      slot = sessions.computeIfAbsent(host, h -> new Slot());
      if (reaper == null) {
        reaper = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "vr-runner-sessions-reaper");
          t.setDaemon(true);
          return t;
        });
        long every = Math.max(50, idleTimeout.toMillis() / 2);
        reaper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
      }
    }
    synchronized (slot) {
      if (slot.removed) {
        return Optional.empty();
      }
      if (slot.unsupported && System.nanoTime() - slot.unsupportedUntil < 0) {
        return Optional.of(Optional.empty());
      }
      if (slot.session != null && slot.session.alive()) {
        slot.session.touch(); // not idle: closeIdle looks under this lock
        return Optional.of(Optional.of(slot.session));
      }
      try {
        slot.session = RunnerSession.open(host, settings.launcher(),
            settings.setupTimeout().compareTo(START_TIMEOUT) < 0 ? settings.setupTimeout() : START_TIMEOUT);
        slot.unsupported = false;
        return Optional.of(Optional.of(slot.session));
      } catch (RunnerSession.Unsupported e) {
        LOG.warn("{}; running each step as a command on {}", e.getMessage(), host.host());
        slot.session = null;
        slot.unsupported = true;
        slot.unsupportedUntil = System.nanoTime() + idleTimeout.toNanos();
        return Optional.of(Optional.empty());
      }
    }
  }

  private void closeIdle() {
    List<Map.Entry<CommandRunner, Slot>> slots;
    synchronized (sessionsLock) {
      slots = new ArrayList<>(sessions.entrySet());
    }
    long now = System.nanoTime();
    for (Map.Entry<CommandRunner, Slot> e : slots) {
      Slot slot = e.getValue();
      synchronized (slot) {
        RunnerSession s = slot.session;
        if (s != null && !s.busy() && now - s.lastUsed() > idleTimeout.toNanos()) {
          LOG.debug("closing the idle {}", s);
          s.close();
          slot.session = null;
        }
        if (slot.session == null && (!slot.unsupported || now - slot.unsupportedUntil > 0)) {
          slot.removed = true;
          synchronized (sessionsLock) {
            sessions.remove(e.getKey(), slot);
          }
        }
      }
    }
  }

  /**
   * Runs a step in the host's session, or as the launcher command when there is none; a failed
   * step is a {@link CommandFailedException} in both cases, with the exit code and {@code ERROR:}
   * line the command would have had.
   *
   * @return the step's stdout
   */
  private String step(CommandRunner host, Command asCommand, String op, String yamlPath,
      Duration timeout, Optional<Duration> perTest) {
    Optional<RunnerSession> session = session(host);
    if (session.isEmpty()) {
      return host.runChecked(asCommand).stdout();
    }
    RunnerSession.Reply r = session.get().call(op, yamlPath, timeout, perTest);
    if (!r.ok()) {
      throw new CommandFailedException(host.host(), asCommand, CommandResult.builder()
          .exitCode(r.exitCode() == 0 ? 1 : r.exitCode()).stdout(r.output())
          .stderr("ERROR: " + r.error() + "\n").build());
    }
    return r.output();
  }

  /** @return the runner's root on hosts */
  String root() {
    return settings.root();
  }

  /**
   * Uploads the proc's artifacts and proc.yaml to the host and runs the runner's {@code setup}
   * there.
   */
  @Override
  public void setup(CommandRunner host, ProcData proc) {
    String yamlPath = procYamlPath(proc.programName());
    host.runChecked(Command.of("mkdir", "-p", "--", settings.root() + "/builds",
        settings.root() + "/images", yamlPath.substring(0, yamlPath.lastIndexOf('/'))));
    ProcData onHost = withUploadedArtifacts(host, proc);
    // 0600: it holds the proc's env, as env.sh does; only the runner (root, or vr's own user) reads it
    host.upload(VrJson.writeYaml(onHost).getBytes(java.nio.charset.StandardCharsets.UTF_8), yamlPath, 0600);
    step(host, runner("setup", yamlPath).timeout(settings.setupTimeout()).build(), "setup", yamlPath,
        settings.setupTimeout(), Optional.empty());
    LOG.info("set up proc {} on {} ({})", proc.programName(), host.host(), name());
  }

  /** The runner's {@code run} command for the proc's proc.yaml, which Supervisor runs. */
  @Override
  public List<String> runCommand(ProcData proc) {
    return List.of(settings.launcher(), "run", procYamlPath(proc.programName()));
  }

  /** Runs the runner's {@code uptest} on the host and returns the results it prints. */
  @Override
  public List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest) {
    String yamlPath = procYamlPath(proc.programName());
    Duration timeout = perTest.multipliedBy(settings.maxUptests()).plus(Duration.ofSeconds(30));
    String stdout = step(host, Command.builder()
        .argv(List.of(settings.launcher(), "--uptest-timeout-ms",
            Long.toString(Math.max(1, perTest.toMillis())), "uptest", yamlPath))
        .timeout(timeout).build(), "uptest", yamlPath, timeout, Optional.of(perTest));
    try {
      return List.copyOf(VrJson.json().readValue(stdout, new TypeReference<List<UptestResult>>() { }));
    } catch (IOException e) {
      throw RunnerException.failed(host.host(), "the runner on " + host.host()
          + " printed something other than uptest JSON for " + proc.programName() + ": " + stdout, e);
    }
  }

  /** Runs the runner's {@code teardown} on the host; a foreign program name is refused. */
  @Override
  public void teardown(CommandRunner host, ProcName proc) {
    if (proc instanceof ProcName.Foreign) {
      throw RunnerException.badValue("proc", proc.format(),
          "is not a proc vr deployed (not app-version-config-hash-proc-port[-swarm]); refusing to tear it down");
    }
    String yamlPath = procYamlPath(proc.format());
    step(host, runner("teardown", yamlPath).timeout(settings.setupTimeout()).build(), "teardown", yamlPath,
        settings.setupTimeout(), Optional.empty());
  }

  /**
   * Lists {@code <root>/procs/} on the host: every directory whose name is a proc name of vr's
   * (what a failed setup or a crash left is there too: setup uploads proc.yaml first).
   */
  @Override
  public List<ProcName> procDirs(CommandRunner host) {
    String procs = settings.root() + "/procs";
    if (!host.exists(procs)) {
      return List.of();
    }
    CommandResult r = host.runChecked(Command.of("find", procs, "-mindepth", "1", "-maxdepth", "1",
        "-type", "d", "-printf", "%f\\n"));
    List<ProcName> out = new java.util.ArrayList<>();
    for (String line : r.stdout().split("\n")) {
      if (!line.isEmpty() && ProcPaths.PROC_DIR_NAME.matcher(line).matches()) {
        ProcName name = ProcName.parse(line);
        if (name.kind() != ProcName.Kind.FOREIGN) {
          out.add(name);
        }
      }
    }
    java.util.Collections.sort(out);
    return List.copyOf(out);
  }

  /** A sha256 in lowercase hex, anywhere in a line. */
  private static final java.util.regex.Pattern SHA256 = java.util.regex.Pattern.compile("[0-9a-f]{64}");
  /** What a prunable entry of builds/ or unpacked/ is named: a sha (a tarball, a tree, its lock) or a plain file name. */
  private static final java.util.regex.Pattern ENTRY = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}");

  /**
   * Prunes {@code <root>/builds/} (uploaded and downloaded tarballs) and {@code <root>/unpacked/}
   * (the LXC runtime's shared build trees and their locks) to the kept builds and those the proc
   * directories there name in their proc.yaml or {@code app.lower}. An entry whose name holds no
   * sha256 (a tarball downloaded by URL) is kept when a proc.yaml names its URL, else judged by its
   * sha256. Dot entries (downloads and unpacks in progress) and {@code unpacked/empty} stay. Every
   * removal goes through {@link CommandRunner#remove}, which never follows a symlink and refuses a
   * path outside the root; names come from a listing and are checked before use, and no shell is
   * involved.
   */
  @Override
  public List<String> pruneBuilds(CommandRunner host, java.util.Set<String> keepSha256, boolean dryRun) {
    String root = settings.root();
    java.util.Set<String> keep = new java.util.TreeSet<>(keepSha256);
    java.util.Set<String> urlNames = new java.util.TreeSet<>();
    if (host.exists(root + "/procs")) {
      CommandResult used = host.run(Command.of("find", root + "/procs", "-mindepth", "2", "-maxdepth", "2", "-type", "f",
          "(", "-name", "proc.yaml", "-o", "-name", "app.lower", ")", "-exec", "grep", "-h", "-E",
          "^(build_sha256|build_url):|^/", "{}", "+"));
      if (!used.succeeded() && !used.stderr().isBlank()) { // grep exits 1 when nothing matched, quietly
        throw RunnerException.failed(host.host(), "cannot read what the procs on " + host.host() + " use: "
            + used.stderr().strip());
      }
      for (String line : used.stdout().split("\n")) {
        java.util.regex.Matcher m = SHA256.matcher(line);
        while (m.find()) {
          keep.add(m.group());
        }
        if (line.startsWith("build_url:")) {
          String url = line.substring("build_url:".length()).strip().replaceAll("^[\"']|[\"']$", "")
              .replaceAll("[?#].*$", "");
          urlNames.add(url.substring(url.lastIndexOf('/') + 1));
        }
      }
    }
    List<String> removed = new java.util.ArrayList<>();
    for (String dir : List.of(root + "/builds", root + "/unpacked")) {
      if (!host.exists(dir)) {
        continue;
      }
      CommandResult listed = host.runChecked(Command.of("find", dir, "-mindepth", "1", "-maxdepth", "1", "-printf", "%f\\n"));
      for (String name : listed.stdout().split("\n")) {
        if (name.isEmpty() || !ENTRY.matcher(name).matches() || name.equals("empty")) {
          continue;
        }
        String path = dir + "/" + name;
        java.util.regex.Matcher m = SHA256.matcher(name);
        boolean used;
        if (m.find()) {
          used = keep.contains(m.group());
        } else {
          used = urlNames.contains(name) || keep.contains(sha256Of(host, path));
        }
        if (!used) {
          if (!dryRun) {
            host.remove(path, true);
          }
          removed.add(path);
        }
      }
    }
    java.util.Collections.sort(removed);
    if (!removed.isEmpty()) {
      LOG.info("{} {} build file(s) on {}: {}", dryRun ? "would prune" : "pruned", removed.size(), host.host(), removed);
    }
    return List.copyOf(removed);
  }

  /** The sha256 of a regular file on the host; empty text for anything else (a directory, a symlink). */
  private static String sha256Of(CommandRunner host, String path) {
    CommandResult r = host.run(Command.of("find", path, "-maxdepth", "0", "-type", "f", "-exec", "sha256sum", "--", "{}", ";"));
    String out = r.stdout().strip();
    return r.succeeded() && out.length() >= 64 ? out.substring(0, 64) : "";
  }

  private Command.Builder runner(String command, String yamlPath) {
    return Command.builder().argv(settings.launcher(), command, yamlPath);
  }

  private String procYamlPath(String programName) {
    ProcYaml.check("program name", programName, ProcPaths.PROC_DIR_NAME,
        "cannot name a proc directory");
    return settings.root() + "/procs/" + programName + "/proc.yaml";
  }

  /** A build or image that is a file on this machine is uploaded once to the host's builds/. */
  private ProcData withUploadedArtifacts(CommandRunner host, ProcData proc) {
    ProcData out = proc;
    Optional<Path> build = proc.buildUrl().flatMap(RunnerContainerRuntime::localFile);
    if (build.isPresent()) {
      String sha = digestOf(build.get());
      proc.buildSha256().filter(expected -> !expected.equals(sha)).ifPresent(expected -> {
        throw new RunnerException("build_url", build.get().toString(), "build " + build.get()
            + " has sha256 " + sha + " but the proc expects " + expected);
      });
      String remote = settings.root() + "/builds/" + sha + ".tar.gz";
      uploadOnce(host, build.get(), remote);
      out = ProcData.builder().from(out).buildUrl(remote).buildSha256(sha).build();
    }
    Optional<Path> image = proc.imageUrl().flatMap(RunnerContainerRuntime::localFile);
    if (image.isPresent()) {
      String sha = digestOf(image.get());
      proc.imageSha256().filter(expected -> !expected.equals(sha)).ifPresent(expected -> {
        throw new RunnerException("image_url", image.get().toString(), "image " + image.get()
            + " has sha256 " + sha + " but the proc expects " + expected);
      });
      String remote = settings.root() + "/images/" + sha + ".tar.gz";
      uploadOnce(host, image.get(), remote);
      out = ProcData.builder().from(out).imageUrl(remote).imageSha256(sha).build();
    }
    return out;
  }

  /**
   * Uploads the file unless the host has it. Procs of one release set up at once on a host (a
   * dispatch works on several of a host's procs in parallel) wait for one upload rather than each
   * sending the tarball.
   */
  private void uploadOnce(CommandRunner host, Path local, String remote) {
    if (local.toAbsolutePath().normalize().toString().equals(remote)) {
      return;
    }
    if (uploadTurns.size() > 10_000) {
      uploadTurns.clear(); // only a lock per key: one made again is as good
    }
    Object turn = uploadTurns.computeIfAbsent(host.host() + "\u0000" + remote, k -> new Object());
    synchronized (turn) {
      if (!host.exists(remote)) {
        host.upload(local, remote, 0644);
      }
    }
  }

  /** The sha256 of a local build or image, computed once per file version (path, size, mtime). */
  private String digestOf(Path file) {
    String key;
    try {
      key = file.toAbsolutePath() + "\u0000" + Files.size(file) + "\u0000" + Files.getLastModifiedTime(file).toMillis();
    } catch (java.io.IOException e) {
      return Files2.digest(file, "SHA-256"); // it says what is wrong with the file
    }
    if (digests.size() > 1000) {
      digests.clear(); // a long-lived runtime sees many builds; the recent ones are hashed again
    }
    return digests.computeIfAbsent(key, k -> Files2.digest(file, "SHA-256"));
  }

  private static Optional<Path> localFile(String url) {
    Path p;
    if (url.startsWith("file:")) {
      p = Path.of(URI.create(url));
    } else if (url.startsWith("/")) {
      p = Path.of(url);
    } else {
      return Optional.empty();
    }
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }
}
