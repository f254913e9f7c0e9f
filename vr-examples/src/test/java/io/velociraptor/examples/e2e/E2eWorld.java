package io.velociraptor.examples.e2e;

import io.velociraptor.buildpack.BuildpackBuildBackend;
import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.FleetConfig;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ImmutableSwarm;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.remote.JschCommandRunner;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.routing.NginxBalancer;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.FileSystemArtifactStore;
import io.velociraptor.core.testing.NginxFixture;
import io.velociraptor.core.testing.SshdFixture;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import io.velociraptor.supervisor.SupervisorEndpoints;
import io.velociraptor.supervisor.SupervisorFleetObserver;
import io.velociraptor.supervisor.SupervisorProcController;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import io.velociraptor.testkit.MachineClaims;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a dispatch touches, for real, on this machine: three hosts (private supervisords
 * h1 and h2 reached locally, h3 reached over SSH to a private sshd), the vr runner installed on
 * each with its own apps root (plain processes, or LXC), a private nginx as balancer
 * {@code front} with pool {@code web} at {@code /web/}, a {@link FileStore}, and the buildpack
 * backend building the example app from a git repository with the example procfile buildpack.
 * Every host runs one foreign program ({@code nightly_report}) that no dispatch may touch.
 *
 * <p>Start one per test class; {@link #close()} stops everything, also after a failure.
 */
final class E2eWorld implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(E2eWorld.class);
  static final BalancerName BALANCER = BalancerName.of("front");
  static final PoolName POOL = PoolName.of("web");
  static final Path EXAMPLES = Path.of("src/main/resources/examples").toAbsolutePath();
  static final String BUILD_USER = "vrbuild";
  static final String FOREIGN = "nightly_report";
  static final int PORTS_PER_HOST = 24;

  final Path work;
  final List<E2eHost> hosts;
  final SshdFixture sshd;
  final NginxFixture nginx;
  final LocalCommandRunner nginxRunner;
  final NginxBalancer balancer;
  final FileStore store;
  final BuildpackBuildBackend builds;
  final SupervisorProcController procs;
  final SupervisorFleetObserver observer;
  final HostRuntimes runtime;
  /** One squad, main: h1, h2, h3. */
  final FleetConfig fleet;
  /** Squad main of h1 and h2, squad spare of h3 (a host is in one squad at most). */
  final FleetConfig splitFleet;
  final List<DispatchEvent> events = Collections.synchronizedList(new ArrayList<>());
  /** Four random letters so swarm ids (and the runner's cgroups, named after them) are this run's own. */
  private final String idPrefix;
  private final Map<String, Long> foreignPids = new TreeMap<>();

  private E2eWorld(Path work, SshdFixture sshd, NginxFixture nginx, RuntimeKind kind, int portsPerHost,
      List<E2eHost> hosts) throws IOException {
    this.work = work;
    this.hosts = hosts;
    this.sshd = sshd;
    this.nginx = nginx;
    this.idPrefix = randomIdPart(4);
    int base = MachineClaims.portBlock(3 * portsPerHost); // free now, and no other test JVM takes it
    runtime = new HostRuntimes(kind.name().toLowerCase(java.util.Locale.ROOT));
    for (int i = 1; i <= 3; i++) {
      SupervisordFixture f = SupervisordFixture.start();
      try {
        E2eHost.openForProcs(f);
        String name = "h" + i;
        boolean ssh = i == 3;
        CommandRunner runner = ssh
            ? JschCommandRunner.builder().host(sshd.host()).port(sshd.port()).user(sshd.user())
                .privateKey(sshd.clientKey()).knownHosts(sshd.knownHosts()).root(f.dir().toString()).build()
            : LocalCommandRunner.builder().name(name).root(f.dir()).build();
        // every host is this machine (h3 over SSH): this JVM's class path is the runner's there too
        RunnerInstall install = RunnerInstall.builder().root(f.dir().resolve("apps"))
            .launcher(f.dir().resolve("bin/vr-runner")).runtime(kind).classpathOfThisJvm().build();
        install.install(runner);
        ContainerRuntime rt = install.runtime(Duration.ofMinutes(2));
        String address = "127.0.0." + i;
        runtime.add(runner.host(), address, rt);
        PortRange ports = PortRange.of(base + (i - 1) * portsPerHost, base + i * portsPerHost);
        hosts.add(new E2eHost(name, address, ports, f, runner, rt, ssh));
      } catch (RuntimeException e) {
        f.close();
        throw e;
      }
    }
    SupervisorEndpoints.Builder eps = SupervisorEndpoints.builder();
    for (E2eHost h : hosts) {
      eps.override(HostName.of(h.name), h.endpoint());
    }
    SupervisorEndpoints endpoints = eps.build();
    procs = SupervisorProcController.builder().endpoints(endpoints)
        .includeDir(h -> host(h.name().value()).supervisord.includeDir().toString())
        .commandRunners(h -> host(h.name().value()).runner)
        .waitTimeout(Duration.ofSeconds(30)).build();
    observer = SupervisorFleetObserver.builder().endpoints(endpoints).deadline(Duration.ofSeconds(15)).build();
    nginxRunner = LocalCommandRunner.builder().name("lb").root(nginx.configFile().getParent()).build();
    balancer = NginxBalancer.builder().name(BALANCER).addHost(nginx.host(nginxRunner)).build();
    store = FileStore.open(work.resolve("store"));
    builds = BuildpackBuildBackend.builder().home(work.resolve("builder"))
        .artifactStore(FileSystemArtifactStore.of(work.resolve("artifacts")))
        .defaultBuildpacks(List.of(Buildpack.parse(EXAMPLES.resolve("buildpacks/procfile").toString())))
        .buildUser(BUILD_USER).build();
    Path repo = AppRepo.create(work.resolve("repo"));
    for (String app : List.of("shop", "shop2")) {
      store.putApp(App.builder().name(AppName.of(app)).repoUrl(repo.toString()).build());
    }
    List<HostName> names = hosts.stream().map(h -> HostName.of(h.name)).toList();
    fleet = FleetConfig.of(hosts.stream().map(E2eHost::model).toList(), List.of(
        Squad.builder().name(SquadName.of("main")).addAllHosts(names).build()));
    splitFleet = FleetConfig.of(hosts.stream().map(E2eHost::model).toList(), List.of(
        Squad.builder().name(SquadName.of("main")).addHosts(names.get(0), names.get(1)).build(),
        Squad.builder().name(SquadName.of("spare")).addHosts(names.get(2)).build()));
    for (E2eHost h : hosts) {
      installForeign(h);
    }
  }

  /**
   * @param kind plain processes or LXC containers
   * @return the running world
   */
  static E2eWorld start(RuntimeKind kind) {
    return start(kind, PORTS_PER_HOST);
  }

  /**
   * @param kind plain processes or LXC containers
   * @param portsPerHost the size of each host's port range (a swap needs twice the procs a host runs)
   * @return the running world
   */
  static E2eWorld start(RuntimeKind kind, int portsPerHost) {
    MachineClaims.ensureSystemUser(BUILD_USER);
    Path work = null;
    SshdFixture sshd = null;
    NginxFixture nginx = null;
    List<E2eHost> hosts = new ArrayList<>(); // filled by the constructor; closed here if it fails
    try {
      work = Files.createTempDirectory("vr-e2e-");
      Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
      sshd = SshdFixture.start();
      nginx = NginxFixture.start(POOL.value());
      return new E2eWorld(work, sshd, nginx, kind, portsPerHost, hosts);
    } catch (IOException | RuntimeException e) {
      hosts.forEach(E2eHost::close);
      if (nginx != null) {
        nginx.close();
      }
      if (sshd != null) {
        sshd.close();
      }
      if (work != null) {
        deleteTree(work);
      }
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  E2eHost host(String name) {
    return hosts.stream().filter(h -> h.name.equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no host " + name));
  }

  /** @return a dispatcher builder wired to every real component; add listeners or change timeouts */
  Dispatcher.Builder dispatcherBuilder() {
    return Dispatcher.builder().store(store).fleet(fleet).observer(observer).procs(procs).runtime(runtime)
        .runners(h -> host(h.name().value()).runner).builds(builds).balancer(balancer).listener(events::add)
        .uptestTimeout(Duration.ofSeconds(20));
  }

  Dispatcher dispatcher() {
    return dispatcherBuilder().build();
  }

  /**
   * @param tag four letters naming the scenario
   * @return a swarm id unique to this world and scenario
   */
  SwarmId swarmId(String tag) {
    return SwarmId.of(idPrefix + tag);
  }

  /** @return swarm web of app shop, config prod, squad main, version v1, routed to front/web */
  ImmutableSwarm.Builder swarm(String tag, int size) {
    return Swarm.builder().id(swarmId(tag)).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("main")).size(size).version(Version.of("v1"))
        .pool(POOL).balancer(BALANCER);
  }

  /** @return every proc on every host, observed through Supervisor now */
  List<ObservedProc> observed() {
    List<ObservedProc> out = new ArrayList<>();
    for (HostSnapshot s : observer.observe(fleet.hosts())) {
      if (!s.reachable()) {
        throw new IllegalStateException("host " + s.host().name() + " is unreachable: " + s.unreachableReason().orElse(""));
      }
      out.addAll(s.procs());
    }
    return out;
  }

  /** @return host/program of the swarm's procs in states matching {@code state} */
  TreeSet<String> programs(SwarmId id, Predicate<ProcState> state) {
    TreeSet<String> out = new TreeSet<>();
    for (ObservedProc p : observed()) {
      if (p.name() instanceof ProcName.Ours ours && ours.swarmId().equals(id) && state.test(p.state())) {
        out.add(p.host() + "/" + p.name().format());
      }
    }
    return out;
  }

  /** @return every program of vr's (any swarm, any state), host/program */
  TreeSet<String> allOurPrograms() {
    TreeSet<String> out = new TreeSet<>();
    for (ObservedProc p : observed()) {
      if (p.name() instanceof ProcName.Ours) {
        out.add(p.host() + "/" + p.name().format());
      }
    }
    return out;
  }

  /** @return the pool members the swarm's running procs answer on */
  TreeSet<PoolMember> runningMembers(SwarmId id) {
    TreeSet<PoolMember> out = new TreeSet<>();
    for (ObservedProc p : observed()) {
      if (p.name() instanceof ProcName.Ours ours && ours.swarmId().equals(id) && p.state() == ProcState.RUNNING) {
        Host h = fleet.host(p.host());
        out.add(PoolMember.of(h.address(), ours.port().orElseThrow()));
      }
    }
    return out;
  }

  SortedSet<PoolMember> poolMembers() {
    return balancer.members(POOL);
  }

  /** @return every proc directory on every host, host/dir */
  TreeSet<String> procDirs() {
    TreeSet<String> out = new TreeSet<>();
    hosts.forEach(h -> out.addAll(h.procDirs()));
    return out;
  }

  /** @return the page nginx serves at /web/ now */
  Http.Response throughNginx() {
    return Http.get("127.0.0.1", nginx.port(), "/" + POOL + "/");
  }

  /** @return the foreign program's pid on each host now */
  Map<String, Long> foreignPids() {
    Map<String, Long> out = new TreeMap<>();
    for (E2eHost h : hosts) {
      var info = h.supervisord.client().getProcessInfo(FOREIGN);
      out.put(h.name, info.state() == ProcState.RUNNING ? info.pid().orElse(-1L) : -1L);
    }
    return out;
  }

  /**
   * A restarted supervisord starts the foreign program afresh (autostart), with a new pid: that
   * is Supervisor's doing, not vr's, so the baseline moves.
   */
  void rebaselineForeign(String host) {
    foreignPids.put(host, foreignPids().get(host));
  }

  /** @return the foreign programs' pids as they were when the world started */
  Map<String, Long> foreignPidsAtStart() {
    return foreignPids;
  }

  private void installForeign(E2eHost h) {
    h.supervisord.writeInclude(FOREIGN + ".conf", "[program:" + FOREIGN + "]\ncommand=/bin/sleep 100000\n"
        + "autostart=true\nstartsecs=0\n");
    h.supervisord.client().reloadConfig();
    h.supervisord.client().addProcessGroup(FOREIGN);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      var info = h.supervisord.client().getProcessInfo(FOREIGN);
      if (info.state() == ProcState.RUNNING) {
        foreignPids.put(h.name, info.pid().orElseThrow());
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the foreign program on " + h.name + " did not start: " + info);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  private static String randomIdPart(int n) {
    SecureRandom random = new SecureRandom();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append((char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Tears down whatever a failed test left (programs, proc dirs, cgroups), then stops everything. */
  @Override
  public void close() {
    builds.close(); // waits for the background removal of finished builds' work directories
    for (E2eHost h : hosts) {
      try {
        for (ObservedProc p : procsOn(h)) {
          if (p.name() instanceof ProcName.Ours || p.name() instanceof ProcName.Legacy) {
            procs.remove(h.model(), p.name());
          }
        }
      } catch (RuntimeException e) {
        LOG.warn("could not remove the programs left on {}: {}", h, e.toString());
      }
      for (String dir : h.procDirs()) {
        try {
          h.runtime.teardown(h.runner, ProcName.parse(dir.substring(dir.indexOf('/') + 1)));
        } catch (RuntimeException e) {
          LOG.warn("could not tear down {}: {}", dir, e.toString());
        }
      }
    }
    observer.close();
    procs.close();
    for (E2eHost h : hosts) {
      h.close();
    }
    store.close();
    nginxRunner.close();
    nginx.close();
    sshd.close();
    deleteTree(work);
  }

  private List<ObservedProc> procsOn(E2eHost h) {
    try {
      return procs.procs(h.model());
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
