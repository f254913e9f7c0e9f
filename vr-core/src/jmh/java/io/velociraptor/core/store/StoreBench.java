package io.velociraptor.core.store;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.Store;
import io.velociraptor.testkit.PostgresCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the store costs a dispatch: beginning and finishing a run (a no-op re-dispatch does
 * exactly this), reserving then releasing a host's ports, and a whole run's store traffic
 * (begin, reserve 10 port locks, release them, finish) sampled for its median and p99. The file
 * store fsyncs every write; the PostgreSQL store runs on a private cluster on loopback with
 * PostgreSQL's durable defaults (fsync and synchronous commit on), started by the benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class StoreBench {
  @Param({"jdbc", "file", "memory"})
  public String kind;

  private Path dir;
  private Store store;
  private PostgresCluster pg;
  private final List<Port> tenPorts = java.util.stream.IntStream.range(6000, 6010).mapToObj(Port::of).toList();
  private final SwarmId swarm = SwarmId.of("benchabc");
  private final List<Port> ports = List.of(Port.of(5000), Port.of(5001), Port.of(5002), Port.of(5003));
  private final SwarmRun.Owner owner = RunOwners.current();

  /** Opens a fresh store. */
  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("vr-store-bench");
    switch (kind) {
      case "jdbc" -> {
        pg = PostgresCluster.start(java.util.Map.of()); // durable: fsync and synchronous_commit on
        store = JdbcStore.builder().url(pg.jdbcUrl()).user(pg.user()).password(pg.password()).open();
      }
      case "file" -> store = FileStore.open(dir);
      default -> store = InMemoryStore.create();
    }
  }

  /** Closes and deletes it. */
  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    if (pg != null) {
      pg.close();
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** @return the finished run */
  @Benchmark
  public SwarmRun beginAndFinishARun() {
    SwarmRun run = ((BeginRun.Started) store.tryBeginRun(swarm, "bench", owner)).run();
    return store.transition(run.id(), RunState.DONE, "no-op");
  }

  /** @return the finished run, after it locked and released 10 ports: a whole run's store traffic */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  public SwarmRun beginReserveTenPortsAndFinishARun() {
    SwarmRun run = ((BeginRun.Started) store.tryBeginRun(swarm, "bench", owner)).run();
    store.reserve(HostName.of("host-b"), tenPorts, run.id());
    store.release(run.id());
    return store.transition(run.id(), RunState.DONE, "no-op");
  }

  /** @return how many locks were released */
  @Benchmark
  public int reserveAndReleaseFourPorts() {
    store.reserve(HostName.of("host-a"), ports, "bench-owner");
    return store.release("bench-owner");
  }
}
