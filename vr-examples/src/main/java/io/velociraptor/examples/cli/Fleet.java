package io.velociraptor.examples.cli;

import io.velociraptor.buildpack.BuildpackBuildBackend;
import io.velociraptor.core.deploy.DispatchListener;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.FleetConfig;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.remote.JschCommandRunner;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.routing.InMemoryBalancer;
import io.velociraptor.core.routing.NginxBalancer;
import io.velociraptor.core.routing.NginxHost;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BuildBackend;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import io.velociraptor.core.spi.FleetObserver;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.JdbcStore;
import io.velociraptor.core.store.FileSystemArtifactStore;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import io.velociraptor.supervisor.SupervisorEndpoints;
import io.velociraptor.supervisor.SupervisorFleetObserver;
import io.velociraptor.supervisor.SupervisorProcController;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every part a dispatcher needs, wired once: store, proc controller, observer, runtime, command
 * runners, build backend and balancers. Owns what it made and closes it, in reverse order.
 */
public final class Fleet implements AutoCloseable {
  final FleetConfig config;
  final Store store;
  final ProcController procs;
  final FleetObserver observer;
  final ContainerRuntime runtime;
  final Function<Host, CommandRunner> runners;
  final Optional<BuildBackend> builds;
  final Map<BalancerName, Balancer> balancers;
  final Duration uptestTimeout;
  private final List<AutoCloseable> owned;
  /** The database store, when the config names one: its event log and locks are shared by every vr on it. */
  Optional<JdbcStore> shared = Optional.empty();
  /** Where build tarballs are, so that `vr gc` removes those of the builds it deletes. */
  Optional<io.velociraptor.core.spi.ArtifactStore> artifacts = Optional.empty();
  private Dispatcher dispatcher;

  Fleet(FleetConfig config, Store store, ProcController procs, FleetObserver observer, ContainerRuntime runtime,
      Function<Host, CommandRunner> runners, Optional<BuildBackend> builds, Map<BalancerName, Balancer> balancers,
      Duration uptestTimeout, List<AutoCloseable> owned) {
    this.config = config;
    this.store = store;
    this.procs = procs;
    this.observer = observer;
    this.runtime = runtime;
    this.runners = runners;
    this.builds = builds;
    this.balancers = new TreeMap<>(balancers);
    this.uptestTimeout = uptestTimeout;
    this.owned = owned; // shared: runners made later are added to it and closed too
  }

  /**
   * Wires the parts a config file names: supervisord on every host, local or SSH runners.
   *
   * @param c the config
   * @return the fleet; close it to close what it made
   */
  public static Fleet of(VrConfig c) {
    List<AutoCloseable> owned = new ArrayList<>();
    try {
      Store store = c.store.open(c.storeDir);
      owned.add(store::close);
      // two runners per host: the runner's root for procs and builds, the include dir for program files;
      // each refuses to remove anything outside its own root
      Function<Host, CommandRunner> runners = cached(c, h -> c.runnerRoot, owned);
      Function<Host, CommandRunner> includeRunners = cached(c, c::includeDir, owned);
      var endpoints = SupervisorEndpoints.builder().readTimeout(c.supervisorTimeout);
      if (c.supervisorUser.isPresent()) {
        endpoints.credentials(c.supervisorUser.get(), c.supervisorPassword.orElseThrow());
      }
      SupervisorEndpoints e = endpoints.build();
      SupervisorProcController procs = SupervisorProcController.builder().endpoints(e).includeDir(c::includeDir)
          .commandRunners(includeRunners).build();
      owned.add(procs);
      SupervisorFleetObserver observer = SupervisorFleetObserver.builder().endpoints(e).build();
      owned.add(observer);
      // the runner's root and launcher in one place: the runtime drives what installRunners writes
      RunnerInstall runner = VrMain.runnerClasspath(RunnerInstall.builder().root(Path.of(c.runnerRoot))
          .launcher(Path.of(c.runnerLauncher)).runtime(c.runtime == VrConfig.Runtime.LXC ? RuntimeKind.LXC : RuntimeKind.PLAIN))
          .build();
      ContainerRuntime runtime = runner.runtime(c.setupTimeout);
      FileSystemArtifactStore artifactStore = FileSystemArtifactStore.of(c.artifactDir);
      var bb = BuildpackBuildBackend.builder().home(c.buildDir)
          .artifactStore(artifactStore).defaultBuildpacks(c.buildpacks);
      if (c.buildUser.isPresent()) {
        bb.buildUser(c.buildUser.get());
      } else {
        bb.runScriptsAsCurrentUser();
      }
      if (c.buildInRuntime) {
        // builds happen on this machine: its runner root holds the runtime's throwaway containers
        LocalCommandRunner buildHost = LocalCommandRunner.builder().root(c.runnerRoot).build();
        owned.add(buildHost::close);
        bb.containerRuntime(runtime, buildHost).scriptNetwork(c.buildNetwork);
      }
      Map<BalancerName, Balancer> balancers = new TreeMap<>();
      for (VrConfig.BalancerConfig b : c.balancers) {
        if (b.type().equals("memory")) {
          balancers.put(b.name(), InMemoryBalancer.of(b.name()));
          continue;
        }
        var nh = NginxHost.builder().runner(runners.apply(c.fleet.host(HostName.of(b.host())))).poolsDir(b.poolsDir())
            .nginx(b.nginx()).pidFile(b.pidFile());
        b.configFile().ifPresent(nh::configFile);
        b.prefix().ifPresent(nh::prefix);
        balancers.put(b.name(), NginxBalancer.builder().name(b.name()).addHost(nh.build()).build());
      }
      BuildpackBuildBackend builds = bb.build();
      owned.add(builds::close);
      Fleet f = new Fleet(c.fleet, store, procs, observer, runtime, runners, Optional.of(builds), balancers,
          c.uptestTimeout, owned);
      f.artifacts = Optional.of(artifactStore);
      f.shared = Optional.of(store).filter(JdbcStore.class::isInstance).map(JdbcStore.class::cast);
      if (c.installRunner) {
        f.installRunners(c, runner);
      }
      // only what changed: a read-only command must not write (it would fail on a full disk)
      for (var app : c.apps) {
        if (!storedApp(store, app.name()).equals(Optional.of(app))) {
          store.putApp(app);
        }
      }
      return f;
    } catch (RuntimeException e) {
      closeAll(owned);
      throw e;
    }
  }

  private static Optional<io.velociraptor.core.model.App> storedApp(Store store, io.velociraptor.core.model.AppName name) {
    try {
      return store.app(name);
    } catch (io.velociraptor.core.spi.StoreException unreadable) {
      return Optional.empty(); // rewritten from the config
    }
  }

  private static Function<Host, CommandRunner> cached(VrConfig c, Function<Host, String> root, List<AutoCloseable> owned) {
    Map<HostName, CommandRunner> made = new TreeMap<>();
    return host -> {
      synchronized (made) {
        return made.computeIfAbsent(host.name(), n -> {
          CommandRunner r = runnerFor(c, host, root.apply(host));
          owned.add(r::close);
          return r;
        });
      }
    };
  }

  private static CommandRunner runnerFor(VrConfig c, Host host, String root) {
    if (!c.overSsh(host)) {
      return LocalCommandRunner.builder().name(host.name().value()).root(root).build();
    }
    // named by the host's name, so every error (an unknown host key too) says which host
    var b = JschCommandRunner.builder().host(host).port(c.ssh.port()).user(c.ssh.user())
        .connectTimeout(c.ssh.connectTimeout()).root(root);
    c.ssh.keyFile().ifPresent(b::privateKey);
    c.ssh.knownHosts().ifPresent(b::knownHosts);
    return b.build();
  }

  /** Writes the runner launcher on every host reached without SSH, pointing at this jar. */
  private void installRunners(VrConfig c, RunnerInstall runner) {
    for (Host h : config.hosts()) {
      if (!c.overSsh(h)) {
        runner.install(runners.apply(h));
      }
    }
  }

  /** @return the hosts and squads */
  public FleetConfig fleetConfig() {
    return config;
  }

  /** @return the store */
  public Store store() {
    return store;
  }

  /**
   * The database store, when the config names one: dispatches append their events to its log
   * ({@code vr events} and every {@code vr serve} on the database read them) and the servers'
   * reconcilers take turns through its lock.
   *
   * @return the database store, or empty with the file store
   */
  public Optional<JdbcStore> sharedStore() {
    return shared;
  }

  /**
   * A reconciler over this fleet's dispatcher; with a database store, its passes take the
   * database's {@value #RECONCILER_LOCK} lock, so only one reconciler acts at a time across every
   * {@code vr serve} on the database (a pass that finds the lock held does nothing).
   *
   * @return the builder, with the dispatcher (and the lock) set
   */
  public io.velociraptor.core.deploy.Reconciler.Builder reconciler() {
    var b = io.velociraptor.core.deploy.Reconciler.builder().dispatcher(dispatcher());
    shared.ifPresent(db -> b.passGuard(pass -> db.exclusively(RECONCILER_LOCK, pass)));
    return b;
  }

  /** The name of the database lock a reconciler's pass holds. */
  public static final String RECONCILER_LOCK = "vr-reconciler";

  /** @return the proc controller */
  public ProcController procs() {
    return procs;
  }

  /** @return the container runtime */
  public ContainerRuntime runtime() {
    return runtime;
  }

  /**
   * Returns the command runner of a host.
   *
   * @param host a configured host
   * @return its command runner (made once, closed with the fleet)
   */
  public CommandRunner runner(Host host) {
    return runners.apply(host);
  }

  /** @return the build backend, if builds are configured */
  public Optional<BuildBackend> builds() {
    return builds;
  }

  /**
   * Registers something to close with the fleet (before what the fleet made itself).
   *
   * @param thing closed when the fleet closes
   */
  public void own(AutoCloseable thing) {
    owned.add(thing);
  }

  /** @return the dispatcher, made on first use */
  public synchronized Dispatcher dispatcher() {
    if (dispatcher == null) {
      var b = Dispatcher.builder().store(store).fleet(config).observer(observer).procs(procs).runtime(runtime)
          .runners(runners::apply).uptestTimeout(uptestTimeout);
      builds.ifPresent(b::builds);
      artifacts.ifPresent(b::artifacts);
      balancers.values().forEach(b::balancer);
      dispatcher = b.build();
      owned.add(dispatcher);
    }
    return dispatcher;
  }

  /**
   * Adds a listener for every later dispatch's events.
   *
   * @param l the listener
   */
  public void listen(DispatchListener l) {
    dispatcher().addListener(l);
  }

  /** @return every configured host observed now (each with the observer's timeout) */
  public List<HostSnapshot> observeHosts() {
    return observer.observe(config.hosts());
  }

  /** @return every configured host observed now, with the store's port locks and every pool */
  public FleetSnapshot snapshot() {
    List<HostSnapshot> hosts = observer.observe(config.hosts());
    List<PoolState> pools = new ArrayList<>();
    for (Balancer b : balancers.values()) {
      for (var p : b.pools()) {
        pools.add(b.state(p));
      }
    }
    // the builds of the stored swarms, so that `vr plan --snapshot` resolves a changed config's release offline
    java.util.Set<String> seen = new java.util.HashSet<>();
    List<io.velociraptor.core.model.Build> builds = new ArrayList<>();
    for (var swarm : store.swarms()) {
      if (seen.add(swarm.app() + " " + swarm.version())) {
        store.build(swarm.app(), swarm.version()).filter(io.velociraptor.core.model.Build::isUsable)
            .map(io.velociraptor.core.deploy.Dispatcher::withoutLog).ifPresent(builds::add);
      }
    }
    return FleetSnapshot.builder().hosts(hosts).squads(config.squads()).portLocks(store.portLocks()).pools(pools)
        .builds(builds).build();
  }

  /** Closes what the fleet made and what was registered with {@link #own}, last first. */
  @Override
  public void close() {
    closeAll(owned);
  }

  private static void closeAll(List<AutoCloseable> owned) {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(Fleet.class).debug("closing {} failed: {}", owned.get(i), e.toString());
      }
    }
    owned.clear();
  }
}
