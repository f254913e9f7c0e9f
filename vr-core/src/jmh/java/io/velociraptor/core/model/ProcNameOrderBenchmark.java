package io.velociraptor.core.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sorting the 50,000 program names of the planner benchmark's 1,000-host fleet (100 swarms of
 * one app family, procs differing mostly by port): {@link ProcName}'s natural order against the
 * order it had before, formatting both names on every comparison. Both give the same order (a
 * property test checks it). Run:
 * {@code ./mvnw -B -ntp -q -pl vr-core -Pbench -DskipTests test-compile exec:exec@bench -Dbench.args=ProcNameOrderBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class ProcNameOrderBenchmark {
  private static final Comparator<ProcName> BY_FORMAT = Comparator.comparing(ProcName::format);

  List<ProcName> names;

  /** Builds the names in a fixed shuffled order. */
  @Setup
  public void setUp() {
    SplittableRandom r = new SplittableRandom(42);
    names = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      int swarm = r.nextInt(100);
      names.add(ProcName.of(AppName.of("app" + swarm % 10), Version.of("v" + swarm % 3),
          ConfigName.of("prod"), ReleaseHash.of(String.format("%012x", swarm * 7919L)),
          ProcTypeName.of(swarm % 2 == 0 ? "web" : "worker"), Port.of(5000 + r.nextInt(1000)),
          SwarmId.fromBits(swarm)));
    }
  }

  /** @return the names in natural order */
  @Benchmark
  public List<ProcName> naturalOrder() {
    List<ProcName> copy = new ArrayList<>(names);
    copy.sort(null);
    return copy;
  }

  /** @return the names in the order of their formatted texts, formatting on every comparison */
  @Benchmark
  public List<ProcName> formattingEveryComparison() {
    List<ProcName> copy = new ArrayList<>(names);
    copy.sort(BY_FORMAT);
    return copy;
  }
}
