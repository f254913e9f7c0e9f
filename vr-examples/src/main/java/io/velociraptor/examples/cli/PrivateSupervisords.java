package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.FleetObserver;
import io.velociraptor.supervisor.SupervisorClient;
import io.velociraptor.supervisor.SupervisorEndpoints;
import io.velociraptor.supervisor.SupervisorException;
import io.velociraptor.supervisor.SupervisorFleetObserver;
import io.velociraptor.supervisor.SupervisorProcController;
import io.velociraptor.supervisor.events.EventListenerSection;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * One private supervisord per demo host ({@code vr demo --real}): its own directory and include
 * directory, XML-RPC on 127.0.0.1 at a free port with a random password. {@link #close()} stops
 * them (supervisord stops its programs) and kills anything left.
 */
public final class PrivateSupervisords implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(30);

  private final List<Process> processes = new ArrayList<>();
  private final List<Host> hosts = new ArrayList<>();
  private final Path dir;
  /** The XML-RPC password of every one of them (user {@code vr}). */
  public final String password;
  private final List<AutoCloseable> owned = new ArrayList<>();

  private PrivateSupervisords(Path dir, String password) {
    this.dir = dir;
    this.password = password;
  }

  /**
   * Starts one supervisord per host and waits until each answers.
   *
   * @param dir where their files go
   * @param hosts the hosts (their supervisor ports are replaced by free ones)
   * @return the running supervisords
   * @throws IOException if one cannot be started
   */
  public static PrivateSupervisords start(Path dir, List<Host> hosts) throws IOException {
    byte[] secret = new byte[12];
    new SecureRandom().nextBytes(secret);
    PrivateSupervisords s = new PrivateSupervisords(dir, HexFormat.of().formatHex(secret));
    try {
      for (Host h : hosts) {
        s.startOne(h);
      }
      for (int i = 0; i < s.hosts.size(); i++) {
        s.awaitReady(s.hosts.get(i), s.processes.get(i));
      }
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private void startOne(Host h) throws IOException {
    Path d = Files.createDirectories(dir.resolve(h.name().value()));
    Files.createDirectories(d.resolve("conf.d"));
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    String conf = "[supervisord]\nlogfile=" + d.resolve("supervisord.log") + "\npidfile=" + d.resolve("supervisord.pid")
        + "\nchildlogdir=" + d + "\n\n[inet_http_server]\nport=127.0.0.1:" + port + "\nusername=vr\npassword=" + password
        + "\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        + "\n[include]\nfiles=" + d.resolve("conf.d") + "/*.conf\n";
    Path file = d.resolve("supervisord.conf");
    Files.writeString(file, conf, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    processes.add(new ProcessBuilder("supervisord", "-n", "-c", file.toString()).directory(d.toFile())
        .redirectErrorStream(true).redirectOutput(d.resolve("supervisord.out").toFile()).start());
    hosts.add(Host.builder().from(h).supervisorPort(port).build());
  }

  private void awaitReady(Host h, Process p) throws IOException {
    long deadline = System.nanoTime() + READY.toNanos();
    try (SupervisorFleetObserver probe = SupervisorFleetObserver.builder().endpoints(endpoints())
        .deadline(Duration.ofSeconds(2)).build()) {
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new VrException("supervisord for " + h.name() + " exited with " + p.exitValue() + ": "
              + Files.readString(dir.resolve(h.name().value()).resolve("supervisord.out")));
        }
        if (probe.observe(h).reachable()) {
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
    throw new VrException("supervisord for " + h.name() + " on port " + h.supervisorPort() + " did not answer within " + READY);
  }

  /** @return the hosts, with the ports their supervisords listen on */
  public List<Host> hosts() {
    return List.copyOf(hosts);
  }

  private SupervisorEndpoints endpoints() {
    return SupervisorEndpoints.builder().credentials("vr", password).build();
  }

  SupervisorProcController controller(Function<Host, CommandRunner> runners) {
    SupervisorProcController c = SupervisorProcController.builder().endpoints(endpoints())
        .includeDir(h -> dir.resolve(h.name().value()).resolve("conf.d").toString()).commandRunners(runners).build();
    owned.add(c);
    return c;
  }

  FleetObserver observer() {
    SupervisorFleetObserver o = SupervisorFleetObserver.builder().endpoints(endpoints()).build();
    owned.add(o);
    return o;
  }

  /**
   * Adds Supervisor's event listener {@value EventListenerSection#NAME} to every supervisord, so
   * each one posts its process state changes to {@code url} (a {@code vr serve}'s
   * {@code /api/supervisor-events}) with {@code token}: the token goes to {@code events.token}
   * (mode 0600) in their directory, each host's include directory gets {@code vr-events.conf}
   * ({@link EventListenerSection}, running this JVM's java and classpath, its log
   * {@code vr-events.log} next to the host's supervisord.log), and supervisord reloads its
   * configuration and starts the listener.
   *
   * @param url where the listeners post
   * @param token an API token of role {@code deploy} on that server; written to the token file only
   * @return what stops and removes the listeners again (and deletes the token file); close it
   *     before the server stops, so no listener posts to a closed server
   * @throws IOException if a file cannot be written
   * @throws SupervisorException if a supervisord refuses the listener
   */
  public AutoCloseable addEventListener(URI url, String token) throws IOException {
    Path tokenFile = dir.resolve("events.token");
    Files.deleteIfExists(tokenFile);
    Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tokenFile, token + "\n", StandardCharsets.UTF_8);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // supervisord starts the listener in its own directory: every classpath entry must be absolute
    List<String> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!e.isEmpty()) {
        entries.add(Path.of(e).toAbsolutePath().toString());
      }
    }
    String classpath = String.join(File.pathSeparator, entries);
    List<Host> added = new ArrayList<>();
    AutoCloseable remove = () -> {
      for (Host h : added) {
        removeEventListener(h);
      }
      Files.deleteIfExists(tokenFile);
    };
    try {
      for (Host h : hosts) {
        Path d = dir.resolve(h.name().value());
        Path conf = d.resolve("conf.d").resolve(EventListenerSection.NAME + ".conf");
        Files.writeString(conf, EventListenerSection.render(EventListenerSection.NAME, java, classpath, url, tokenFile,
            Optional.empty(), Optional.of(d.resolve(EventListenerSection.NAME + ".log"))), StandardCharsets.UTF_8);
        added.add(h);
        try (SupervisorClient c = SupervisorClient.of(endpoints().forHost(h))) {
          c.reloadConfig();
          c.addProcessGroup(EventListenerSection.NAME);
        }
      }
      return remove;
    } catch (IOException | RuntimeException e) {
      try {
        remove.close();
      } catch (Exception cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** Stops and removes the host's listener and deletes its file; a supervisord already gone is fine. */
  private void removeEventListener(Host h) throws IOException {
    String name = EventListenerSection.NAME;
    try (SupervisorClient c = SupervisorClient.of(endpoints().forHost(h))) {
      try {
        c.stopProcess(name, true);
      } catch (SupervisorException e) {
        // not running (or not added): the group can still be removed
      }
      c.removeProcessGroup(name);
    } catch (SupervisorException e) {
      // supervisord is gone or never had the group: close() stops whatever is left
    }
    Files.deleteIfExists(dir.resolve(h.name().value()).resolve("conf.d").resolve(name + ".conf"));
  }

  /** Stops every supervisord (and so their programs), killing what is left. */
  @Override
  public void close() {
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        // closing clients cannot fail in a way worth reporting; the processes are what matter
      }
    }
    List<ProcessHandle> children = new ArrayList<>();
    for (Process p : processes) {
      p.descendants().forEach(children::add);
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }
}
