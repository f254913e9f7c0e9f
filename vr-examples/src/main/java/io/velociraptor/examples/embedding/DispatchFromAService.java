package io.velociraptor.examples.embedding;

import io.velociraptor.buildpack.BuildpackBuildBackend;
import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchListener;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.FleetConfig;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.routing.InMemoryBalancer;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.FileSystemArtifactStore;
import io.velociraptor.examples.ExampleFiles;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import io.velociraptor.supervisor.embedded.EmbeddedProcController;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Embedding example: a Java service that owns a {@link Dispatcher} and watches every dispatch
 * through a {@link DispatchListener} (here: counting event types, as a metrics exporter would,
 * and printing uptest results). Everything runs on this machine with embedded parts; swap in
 * {@code SupervisorProcController}, {@code SupervisorFleetObserver}, {@code NginxBalancer} and
 * SSH runners for a real fleet, the service code stays the same.
 *
 * <p>Run: {@code java -cp vr-examples/target/vr.jar io.velociraptor.examples.embedding.DispatchFromAService}.
 */
public final class DispatchFromAService {
  private DispatchFromAService() {}

  /** Counts events by type: what a service would export as metrics. */
  public static final class EventCounter implements DispatchListener {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Override
    public void on(DispatchEvent event) {
      counts.computeIfAbsent(event.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
      if (event instanceof DispatchEvent.UptestPassed || event instanceof DispatchEvent.UptestFailed
          || event instanceof DispatchEvent.RunDone || event instanceof DispatchEvent.RunFailed) {
        System.out.println("[service] " + event.describe());
      }
    }

    /** @return the counts so far, sorted by event type */
    public Map<String, Integer> counts() {
      Map<String, Integer> out = new TreeMap<>();
      counts.forEach((k, v) -> out.put(k, v.get()));
      return out;
    }
  }

  /**
   * @param args unused
   * @throws IOException if the work directory cannot be made
   */
  public static void main(String[] args) throws IOException {
    Path work = Files.createTempDirectory("vr-service-");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    int base = ExampleFiles.freePortBlock(10);
    try {
      System.exit(run(work, PortRange.of(base, base + 10)).succeeded() ? 0 : 1);
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /**
   * Builds and dispatches 2 procs of the example Java app, then deletes the swarm.
   *
   * @param work a directory others may enter (procs run as nobody when this JVM is root)
   * @param ports the port range of the one host
   * @return the delete run (or the dispatch run, if that failed)
   * @throws IOException if the example files cannot be copied
   */
  public static DispatchResult run(Path work, PortRange ports) throws IOException {
    Path examples = ExampleFiles.extract(work.resolve("examples"));
    RunnerInstall runner = RunnerInstall.builder().root(work.resolve("runner")).runtime(RuntimeKind.PLAIN)
        .classpathOfThisJvm().build();
    List<Host> hosts = List.of(Host.builder().name(HostName.of("local")).address("127.0.0.1")
        .portRange(ports).build());
    EventCounter counter = new EventCounter();
    try (LocalCommandRunner local = LocalCommandRunner.builder().root(work).build();
        EmbeddedProcController procs = EmbeddedProcController.create(work.resolve("logs"));
        FileStore store = FileStore.open(work.resolve("store"))) {
      runner.install(local);
      AppName app = AppName.of("java_hello");
      store.putApp(App.builder().name(app).repoUrl(examples.resolve("apps/java-hello").toString())
          .repoType(App.RepoType.LOCAL).addBuildpacks(Buildpack.parse(examples.resolve("buildpacks/java").toString()))
          .build());
      try (BuildpackBuildBackend builds = BuildpackBuildBackend.builder().home(work.resolve("builds"))
              .artifactStore(FileSystemArtifactStore.of(work.resolve("artifacts"))).runScriptsAsCurrentUser().build();
          Dispatcher dispatcher = Dispatcher.builder()
          .store(store)
          .fleet(FleetConfig.of(hosts, List.of(Squad.builder().name(SquadName.of("local")).addHosts(HostName.of("local")).build())))
          .procs(procs)
          .observer(hs -> hs.stream().map(h -> HostSnapshot.reachable(h, procs.procs(h))).toList())
          .runtime(runner.runtime(Duration.ofMinutes(2)))
          .runners(h -> local)
          .builds(builds)
          .balancer(InMemoryBalancer.of(BalancerName.of("lb")))
          .listener(counter)
          .build()) {
        Swarm swarm = Swarm.builder().id(SwarmId.of("servicez")).app(app).procType(ProcTypeName.of("web"))
            .config(ConfigName.of("svc")).squad(SquadName.of("local")).size(2).version(Version.of("1"))
            .pool(PoolName.of("web")).balancer(BalancerName.of("lb"))
            .env(Env.of(Map.of("PATH", runner.java().getParent() + ":/usr/bin:/bin"))).build();
        DispatchResult up = dispatcher.dispatch(swarm);
        System.out.println("[service] dispatch " + up.run().id() + ": " + up.run().state());
        DispatchResult down = dispatcher.delete(swarm.id());
        System.out.println("[service] events seen: " + counter.counts());
        return up.succeeded() ? down : up;
      }
    }
  }
}
