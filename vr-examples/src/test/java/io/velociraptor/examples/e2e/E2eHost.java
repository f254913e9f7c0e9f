package io.velociraptor.examples.e2e;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.supervisor.SupervisorEndpoint;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * One "host" of the e2e fleet on this machine: a private supervisord (its include directory
 * under its own directory), an apps root and runner launcher inside that directory, a loopback
 * address of its own (127.0.0.N, so pool members tell hosts apart), a port range of its own, and
 * the command runner that reaches it (local, or SSH to the private sshd).
 */
final class E2eHost implements AutoCloseable {
  final String name;
  final String address;
  final PortRange ports;
  final SupervisordFixture supervisord;
  final CommandRunner runner;
  final ContainerRuntime runtime;
  final boolean overSsh;
  /** A supervisord this class started after {@link #killSupervisord()}, on the same config. */
  private Process restarted;

  E2eHost(String name, String address, PortRange ports, SupervisordFixture supervisord, CommandRunner runner,
      ContainerRuntime runtime, boolean overSsh) {
    this.name = name;
    this.address = address;
    this.ports = ports;
    this.supervisord = supervisord;
    this.runner = runner;
    this.runtime = runtime;
    this.overSsh = overSsh;
  }

  /** Lets procs that run as nobody traverse into the apps root (the fixture's dir is 0700). */
  static void openForProcs(SupervisordFixture f) {
    try {
      Files.setPosixFilePermissions(f.dir(), PosixFilePermissions.fromString("rwx--x--x"));
      Path apps = f.dir().resolve("apps");
      Files.createDirectories(apps);
      Files.setPosixFilePermissions(apps, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path apps() {
    return supervisord.dir().resolve("apps");
  }

  Host model() {
    return Host.builder().name(HostName.of(name)).address(address).supervisorPort(supervisord.port()).portRange(ports).build();
  }

  SupervisorEndpoint endpoint() {
    return supervisord.endpoint().toBuilder().label(name).connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(30)).build();
  }

  /** @return the proc directories under the apps root */
  TreeSet<String> procDirs() {
    Path procs = apps().resolve("procs");
    TreeSet<String> out = new TreeSet<>();
    if (!Files.isDirectory(procs)) {
      return out;
    }
    try (Stream<Path> s = Files.list(procs)) {
      s.forEach(p -> out.add(name + "/" + p.getFileName()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Kills this host's supervisord with SIGKILL (a crash); the procs it ran live on, orphaned. */
  void killSupervisord() {
    if (restarted != null) {
      restarted.destroyForcibly();
      await(restarted);
      restarted = null;
    } else {
      supervisord.kill();
    }
  }

  /** Starts supervisord again on the same configuration (port, password, include dir). */
  void restartSupervisord() {
    try {
      restarted = new ProcessBuilder(SupervisordFixture.SUPERVISORD, "-n", "-c", supervisord.configFile().toString())
          .directory(supervisord.dir().toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(supervisord.dir().resolve("supervisord.out").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      if (!restarted.isAlive()) {
        throw new IllegalStateException("supervisord of " + name + " did not restart: " + supervisord.output());
      }
      try {
        if (supervisord.client().withReadTimeout(Duration.ofSeconds(2)).getState().isRunning()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    throw new IllegalStateException("supervisord of " + name + " did not answer after a restart", last);
  }

  private static void await(Process p) {
    try {
      p.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (restarted != null) {
      List<ProcessHandle> children = restarted.descendants().toList();
      restarted.destroy(); // SIGTERM: supervisord stops its programs
      await(restarted);
      restarted.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
    }
    runtime.close(); // the host's runner session, before the runner that reaches it
    runner.close();
    supervisord.close();
  }

  @Override
  public String toString() {
    return name + " (" + address + ", ports " + ports + (overSsh ? ", over SSH" : ", local") + ")";
  }
}
