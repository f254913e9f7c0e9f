package io.velociraptor.core.store;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.Store;
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
 * exactly this), and reserving then releasing a host's ports. The file store fsyncs every write.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class StoreBench {
  @Param({"file", "memory"})
  public String kind;

  private Path dir;
  private Store store;
  private final SwarmId swarm = SwarmId.of("benchabc");
  private final List<Port> ports = List.of(Port.of(5000), Port.of(5001), Port.of(5002), Port.of(5003));
  private final SwarmRun.Owner owner = RunOwners.current();

  /** Opens a fresh store. */
  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("vr-store-bench");
    store = kind.equals("file") ? FileStore.open(dir) : InMemoryStore.create();
  }

  /** Closes and deletes it. */
  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
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

  /** @return how many locks were released */
  @Benchmark
  public int reserveAndReleaseFourPorts() {
    store.reserve(HostName.of("host-a"), ports, "bench-owner");
    return store.release("bench-owner");
  }
}
