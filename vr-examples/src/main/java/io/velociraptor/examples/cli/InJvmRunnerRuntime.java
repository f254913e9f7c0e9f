package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.OneShot;
import io.velociraptor.core.spi.UptestResult;
import io.velociraptor.lxc.Runner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The demo's runtime, for hosts that are this machine: the runner's setup, uptest and teardown
 * run in this JVM (the same {@link Runner} code the {@code vr-runner} launcher runs), instead of
 * a new JVM for each; on a 2-core machine each of those costs one to three seconds. Supervisor
 * still starts every proc through the launcher ({@link #runCommand}), whose {@code run} execs
 * the proc's run.sh without a JVM. {@code vr dispatch} keeps the launcher for everything, as a
 * host over SSH needs.
 */
final class InJvmRunnerRuntime implements ContainerRuntime {
  private final ContainerRuntime launcher;
  private final Runner runner;
  private final Path root;

  /**
   * @param launcher the launcher-based runtime the procs' {@code command=} comes from
   * @param runner the runner, configured as the launcher is
   */
  InJvmRunnerRuntime(ContainerRuntime launcher, Runner runner) {
    this.launcher = launcher;
    this.runner = runner;
    this.root = runner.config().root();
  }

  @Override
  public String name() {
    return launcher.name();
  }

  @Override
  public void setup(CommandRunner host, ProcData proc) {
    Path yaml = procYaml(proc.programName());
    try {
      Files.createDirectories(yaml.getParent());
      Path tmp = Files.createTempFile(yaml.getParent(), ".proc", ".yaml.tmp");
      Files.writeString(tmp, VrJson.writeYaml(withLocalBuild(proc)), StandardCharsets.UTF_8);
      Files.move(tmp, yaml, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + yaml, e);
    }
    runner.setup(yaml);
  }

  @Override
  public List<String> runCommand(ProcData proc) {
    return launcher.runCommand(proc);
  }

  @Override
  public List<UptestResult> uptest(CommandRunner host, ProcData proc, Duration perTest) {
    return runner.uptest(procYaml(proc.programName()), perTest);
  }

  @Override
  public void teardown(CommandRunner host, ProcName proc) {
    runner.teardown(procYaml(proc.format()));
  }

  @Override
  public List<ProcName> procDirs(CommandRunner host) {
    return launcher.procDirs(host);
  }

  /** The launcher runtime's pruning: the same root and layout. */
  @Override
  public List<String> pruneBuilds(CommandRunner host, java.util.Set<String> keepSha256, boolean dryRun) {
    return launcher.pruneBuilds(host, keepSha256, dryRun);
  }

  /** One-shot commands (the demo's isolated builds) need no runner: the launcher's runtime runs them. */
  @Override
  public CommandResult runOneShot(CommandRunner host, OneShot job, LineListener output) {
    return launcher.runOneShot(host, job, output);
  }

  /**
   * As the launcher-based runtime uploads it: a build that is a file here (the artifact store's
   * objects have no extension) is copied once to {@code <root>/builds/<sha256>.tar.gz}, where
   * the runner unpacks it from; the runner checks its sha256 against the proc's.
   */
  private ProcData withLocalBuild(ProcData proc) throws IOException {
    Optional<Path> file = proc.buildUrl().filter(u -> u.startsWith("/") || u.startsWith("file:"))
        .map(u -> u.startsWith("file:") ? Path.of(URI.create(u)) : Path.of(u)).filter(Files::isRegularFile);
    if (file.isEmpty()) {
      return proc;
    }
    String sha = proc.buildSha256().isPresent() ? proc.buildSha256().get() : sha256(file.get());
    Path copy = root.resolve("builds").resolve(sha + ".tar.gz");
    if (!Files.exists(copy)) {
      Files.createDirectories(copy.getParent());
      Path tmp = Files.createTempFile(copy.getParent(), ".build", ".tmp");
      Files.copy(file.get(), tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return ProcData.builder().from(proc).buildUrl(copy.toString()).buildSha256(sha).build();
  }

  private static String sha256(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The proc.yaml of a program vr deployed; foreign names (which could be any path) are refused. */
  private Path procYaml(String programName) {
    if (ProcName.parse(programName) instanceof ProcName.Foreign) {
      throw new VrException("\"" + programName + "\" is not a proc vr deployed"
          + " (not app-version-config-hash-proc-port[-swarm]); the runner refuses it");
    }
    return root.resolve("procs").resolve(programName).resolve("proc.yaml");
  }

  /** Ends what the launcher runtime keeps open (its runner sessions; steps here run in this JVM). */
  @Override
  public void close() {
    launcher.close();
  }
}
