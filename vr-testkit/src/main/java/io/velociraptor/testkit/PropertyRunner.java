package io.velociraptor.testkit;

import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a property over seeded generated cases, vr's small replacement for a property-testing
 * library. Each case {@code i} uses seed {@code base + i * GAMMA}; the base seed defaults to a
 * hash of the property's name (so CI is repeatable) and is overridden by the system property
 * {@code vr.property.seed}. The number of cases is {@code vr.property.cases} (default 1,000).
 * A failing case is shrunk (at most {@link #MAX_SHRINK_STEPS} steps) and reported with the line
 * that replays it: {@code -Dvr.property.replay=<seed>:<size>} runs exactly that one case, at its
 * size, whatever the code says about cases and seed; it fails the same way and shrinks to the same
 * case (shrinkers are deterministic).
 */
public final class PropertyRunner {
  /** Spacing between case seeds (the golden-ratio increment of SplittableRandom). */
  public static final long GAMMA = 0x9e3779b97f4a7c15L;
  /** How many successful shrink steps are taken at most. */
  public static final int MAX_SHRINK_STEPS = 2_000;

  private final String name;
  private int cases;
  private long seed;
  /** Seed and size of the one case to replay, from {@code vr.property.replay} or {@link #replay}. */
  private long[] replay;

  private PropertyRunner(String name) {
    this.name = Objects.requireNonNull(name, "name");
    this.cases = Integer.getInteger("vr.property.cases", 1000);
    String fixed = System.getProperty("vr.property.seed");
    this.seed = fixed != null && !fixed.isBlank() ? Long.parseLong(fixed.trim()) : name.hashCode() * 0x5DEECE66DL;
    String replayed = System.getProperty("vr.property.replay");
    if (replayed != null && !replayed.isBlank()) {
      this.replay = parseReplay(replayed.trim());
    }
  }

  private static long[] parseReplay(String text) {
    String[] parts = text.split(":");
    try {
      if (parts.length == 2) {
        long size = Long.parseLong(parts[1]);
        if (size >= 1 && size <= 100) {
          return new long[] {Long.parseLong(parts[0]), size};
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("vr.property.replay \"" + text + "\" is not SEED:SIZE (size 1 to 100),"
        + " as a failure prints it");
  }

  /**
   * A runner for the property {@code name}, with {@code vr.property.cases} cases (default 1,000) and a
   * seed from {@code vr.property.seed} or derived from the name.
   *
   * @param name the property's name, printed on failure and hashed into the default seed
   * @return a runner with the configured number of cases
   */
  public static PropertyRunner property(String name) {
    return new PropertyRunner(name);
  }

  /**
   * Runs {@code cases} cases; throws {@link IllegalArgumentException} naming the value if it is below 1.
   *
   * @param cases how many cases to run (overrides {@code vr.property.cases})
   * @return this runner
   */
  public PropertyRunner cases(int cases) {
    if (cases < 1) {
      throw new IllegalArgumentException("cases must be at least 1, not " + cases);
    }
    this.cases = cases;
    return this;
  }

  /**
   * Bases the cases on {@code seed}, so one run's cases can be run again.
   *
   * @param seed the base seed (overrides the name-derived default and {@code vr.property.seed})
   * @return this runner
   */
  public PropertyRunner seed(long seed) {
    this.seed = seed;
    return this;
  }

  /**
   * Runs only the case a failure reported (what {@code -Dvr.property.replay=SEED:SIZE} does).
   *
   * @param seed the reported case seed
   * @param size the reported size, 1 to 100
   * @return this runner
   */
  public PropertyRunner replay(long seed, int size) {
    this.replay = parseReplay(seed + ":" + size);
    return this;
  }

  /**
   * This runner, printing each failing case with {@code describe} instead of {@code toString()}.
   *
   * @param describe how to print a case on failure; its type must fit the generator's, so a
   *     mistyped describer does not compile (it used to fail with a ClassCastException that hid
   *     the property's own failure)
   * @param <T> the case type
   * @return this runner, for cases of that type
   */
  public <T> Described<T> describedBy(Function<? super T, String> describe) {
    return new Described<>(this, Objects.requireNonNull(describe, "describe"));
  }

  /**
   * A runner with a describer for cases of one type.
   *
   * @param <T> the case type
   */
  public static final class Described<T> {
    private final PropertyRunner runner;
    private final Function<? super T, String> describe;
    private Function<? super T, ? extends java.util.Collection<String>> labels = v -> List.of();

    private Described(PropertyRunner runner, Function<? super T, String> describe) {
      this.runner = runner;
      this.describe = describe;
    }

    /**
     * Labels each case (say {@code "3 hosts"}, {@code "unreachable host"}); when every case passed,
     * the runner prints how often each label came up, so a property that never met an unreachable
     * host or a full port range says so. {@code PlanGen.labels} labels planner cases.
     *
     * @param labels the labels of one case (none is fine)
     * @return this runner
     */
    public Described<T> classifiedBy(Function<? super T, ? extends java.util.Collection<String>> labels) {
      this.labels = Objects.requireNonNull(labels, "labels");
      return this;
    }

    /**
     * As {@link PropertyRunner#check(Gen, Consumer)}.
     *
     * @param gen the case generator
     * @param property throws when the property fails
     */
    public void check(Gen<T> gen, Consumer<T> property) {
      runner.run(gen, gen.shrinker(), property, describe, labels);
    }

    /**
     * As {@link PropertyRunner#check(Gen, Shrinker, Consumer)}.
     *
     * @param gen the case generator
     * @param shrinker proposes smaller cases
     * @param property throws when the property fails
     */
    public void check(Gen<T> gen, Shrinker<T> shrinker, Consumer<T> property) {
      runner.run(gen, shrinker, property, describe, labels);
    }
  }

  /**
   * Runs the property, shrinking a failing case with the generator's own shrinker
   * ({@link Gen#shrinker()}; none for a generator that has none).
   *
   * @param gen the case generator
   * @param property throws (an assertion error or any exception) when the property fails
   * @param <T> the case type
   */
  public <T> void check(Gen<T> gen, Consumer<T> property) {
    check(gen, gen.shrinker(), property);
  }

  /**
   * Runs the property; on failure shrinks the case and throws an {@link AssertionError} naming
   * the property, the seed, the original and the shrunk case, with the shrunk case's failure as
   * its cause.
   *
   * @param gen the case generator
   * @param shrinker proposes smaller cases
   * @param property throws when the property fails
   * @param <T> the case type
   */
  public <T> void check(Gen<T> gen, Shrinker<T> shrinker, Consumer<T> property) {
    run(gen, shrinker, property, String::valueOf, v -> List.of());
  }

  /**
   * This runner, printing after the run how often each label {@code labels} gives a case came up.
   *
   * @param labels the labels of one case; see {@link Described#classifiedBy}
   * @param <T> the case type
   * @return a runner for cases of that type that prints how often each label came up
   */
  public <T> Described<T> classifiedBy(Function<? super T, ? extends java.util.Collection<String>> labels) {
    return new Described<T>(this, String::valueOf).classifiedBy(labels);
  }

  private <T> void run(Gen<T> gen, Shrinker<T> shrinker, Consumer<T> property, Function<? super T, String> describe,
      Function<? super T, ? extends java.util.Collection<String>> labels) {
    java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
    int n = replay != null ? 1 : cases;
    if (replay == null) {
      // the case that failed last time goes first: a fix is checked at once, a flaky pass is not missed
      java.util.Optional<long[]> remembered = Memory.recall(name);
      if (remembered.isPresent()) {
        long[] c = remembered.get();
        T value = gen.generate(new SplittableRandom(c[0]), (int) c[1]);
        Throwable failure = run(property, value);
        if (failure != null) {
          throw failed("the case that failed last time (seed " + c[0] + ", size " + c[1] + ", remembered in "
              + Memory.file(name) + ")", c[0], (int) c[1], value, failure, shrinker, property, describe);
        }
        Memory.forget(name);
      }
    }
    for (int i = 0; i < n; i++) {
      long caseSeed = replay != null ? replay[0] : seed + i * GAMMA;
      int size = replay != null ? (int) replay[1] : n == 1 ? 100 : 1 + (int) ((long) i * 99 / (n - 1));
      T value = gen.generate(new SplittableRandom(caseSeed), size);
      for (String label : labels.apply(value)) {
        seen.merge(label, 1, Integer::sum);
      }
      Throwable failure = run(property, value);
      if (failure != null) {
        if (replay == null) {
          Memory.remember(name, caseSeed, size);
        }
        throw failed("case " + i + " of " + n + " (seed " + caseSeed + ", size " + size + ")", caseSeed, size, value,
            failure, shrinker, property, describe);
      }
    }
    if (!seen.isEmpty()) {
      System.out.println(statistics(name, n, seen));
    }
  }

  private <T> AssertionError failed(String where, long caseSeed, int size, T value, Throwable failure,
      Shrinker<T> shrinker, Consumer<T> property, Function<? super T, String> describe) {
    Shrunk<T> shrunk = shrink(value, failure, shrinker, property);
    return new AssertionError(
        "property '" + name + "' failed at " + where + "\n"
            + "replay: -Dvr.property.replay=" + caseSeed + ":" + size + "\n"
            + "shrunk in " + shrunk.steps + " steps to:\n  " + describe.apply(shrunk.value) + "\n"
            + "failure: " + shrunk.failure + "\n"
            + "original case:\n  " + describe.apply(value),
        shrunk.failure);
  }

  /**
   * Where failing cases are remembered between runs: {@code vr.property.failures} (a directory),
   * by default {@code target/vr-property-failures} when the working directory has a
   * {@code target} (a Maven module's), else nowhere. One file per property, named by a digest of
   * its name, holding {@code SEED:SIZE}; deleted once that case passes.
   */
  static final class Memory {
    private Memory() {}

    static java.util.Optional<java.nio.file.Path> dir() {
      String configured = System.getProperty("vr.property.failures");
      if (configured != null && !configured.isBlank()) {
        return java.util.Optional.of(java.nio.file.Path.of(configured.trim()));
      }
      java.nio.file.Path target = java.nio.file.Path.of("target");
      return java.nio.file.Files.isDirectory(target)
          ? java.util.Optional.of(target.resolve("vr-property-failures")) : java.util.Optional.empty();
    }

    static java.nio.file.Path file(String name) {
      try {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256")
            .digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return dir().orElse(java.nio.file.Path.of(".")).resolve(java.util.HexFormat.of().formatHex(d, 0, 8) + ".replay");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }

    static java.util.Optional<long[]> recall(String name) {
      if (dir().isEmpty() || !java.nio.file.Files.isRegularFile(file(name))) {
        return java.util.Optional.empty();
      }
      try {
        return java.util.Optional.of(parseReplay(java.nio.file.Files.readString(file(name)).trim()));
      } catch (java.io.IOException | IllegalArgumentException unreadable) {
        return java.util.Optional.empty(); // a damaged memory is no reason to fail a property
      }
    }

    static void remember(String name, long seed, int size) {
      if (dir().isEmpty()) {
        return;
      }
      try {
        java.nio.file.Files.createDirectories(dir().get());
        java.nio.file.Files.writeString(file(name), seed + ":" + size + "\n");
      } catch (java.io.IOException e) {
        System.err.println("vr property runner: cannot remember the failing case in " + file(name) + ": " + e);
      }
    }

    static void forget(String name) {
      try {
        java.nio.file.Files.deleteIfExists(file(name));
      } catch (java.io.IOException e) {
        System.err.println("vr property runner: cannot delete " + file(name) + ": " + e);
      }
    }
  }

  /** One line: the property, its case count, and each label's share, most frequent first. */
  static String statistics(String name, int cases, java.util.Map<String, Integer> seen) {
    StringBuilder b = new StringBuilder("property '").append(name).append("': ").append(cases).append(" cases;");
    seen.entrySet().stream()
        .sorted(java.util.Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(java.util.Map.Entry.comparingByKey()))
        .forEach(e -> b.append(' ').append(e.getKey()).append(' ')
            .append(Math.round(100.0 * e.getValue() / cases)).append("%,"));
    b.setLength(b.length() - 1);
    return b.toString();
  }

  private record Shrunk<T>(T value, Throwable failure, int steps) {}

  private static <T> Shrunk<T> shrink(T value, Throwable failure, Shrinker<T> shrinker, Consumer<T> property) {
    T current = value;
    Throwable currentFailure = failure;
    int steps = 0;
    boolean progress = true;
    while (progress && steps < MAX_SHRINK_STEPS) {
      progress = false;
      Iterator<T> candidates = shrinker.shrink(current).iterator();
      while (candidates.hasNext()) {
        T candidate;
        try {
          candidate = candidates.next();
        } catch (RuntimeException invalidCandidate) {
          continue;
        }
        Throwable f = run(property, candidate);
        if (f != null) {
          current = candidate;
          currentFailure = f;
          steps++;
          progress = true;
          break;
        }
      }
    }
    return new Shrunk<>(current, currentFailure, steps);
  }

  private static <T> Throwable run(Consumer<T> property, T value) {
    try {
      property.accept(value);
      return null;
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError vm) {
        throw vm;
      }
      return t;
    }
  }
}
