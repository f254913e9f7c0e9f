package io.velociraptor.core.store;

import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link io.velociraptor.core.spi.Store} in this JVM's memory, for tests and the demo: the
 * same rules as {@link FileStore} (records pass through the same JSON), gone when the JVM ends.
 * Thread-safe.
 */
public final class InMemoryStore extends RecordStore {
  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
  private final ReentrantLock lock = new ReentrantLock();
  private final TreeMap<String, TreeMap<String, String>> records = new TreeMap<>();

  private InMemoryStore(Builder b) {
    super(b.clock, b.staleAfter, b.historyLimit, b.ownerCheck);
  }

  /**
   * An empty store with the system clock and the default TTL and history limit.
   *
   * @return the store
   */
  public static InMemoryStore create() {
    return builder().build();
  }

  /** A new builder for an {@link InMemoryStore}. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  Optional<String> read(String collection, String key) {
    return locked(() -> Optional.ofNullable(records.getOrDefault(collection, new TreeMap<>()).get(key)));
  }

  @Override
  List<String> keys(String collection) {
    return locked(() -> List.copyOf(records.getOrDefault(collection, new TreeMap<>()).keySet()));
  }

  @Override
  List<String> collections() {
    return locked(() -> records.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(java.util.Map.Entry::getKey)
        .toList());
  }

  @Override
  void write(String collection, String key, String json) {
    records.computeIfAbsent(collection, c -> new TreeMap<>()).put(key, json);
  }

  @Override
  boolean delete(String collection, String key) {
    TreeMap<String, String> c = records.get(collection);
    return c != null && c.remove(key) != null;
  }

  @Override
  <T> T atomically(String operation, Supplier<T> work) {
    try {
      if (!lock.tryLock(LOCK_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new StoreException(location(), operation, "the store stayed locked for " + LOCK_TIMEOUT, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(location(), operation, "interrupted while waiting for the store's lock", e);
    }
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  private <T> T locked(Supplier<T> work) {
    return atomically("read", work);
  }

  @Override
  String location() {
    return "in-memory store";
  }

  /** Nothing to release. */
  @Override
  public void close() {}

  /** Configures an {@link InMemoryStore}. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Duration staleAfter = DEFAULT_STALE_AFTER;
    private int historyLimit = DEFAULT_HISTORY_LIMIT;
    private Function<SwarmRun.Owner, Optional<String>> ownerCheck = RunOwners::goneReason;

    private Builder() {}

    /**
     * Sets the clock that stamps runs and locks (tests pass a fixed or stepping one).
     *
     * @param clock the clock that stamps runs and locks (tests pass a fixed or stepping one)
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets how long a live run may stay unchanged, and a lock of no run may be held, before it
     * counts as stale; default 30 minutes.
     *
     * @param ttl how long a live run may stay unchanged, and a lock of no run may be held,
     *     before it counts as stale; default 30 minutes
     * @return this builder
     */
    public Builder staleAfter(Duration ttl) {
      this.staleAfter = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /**
     * Sets how many finished runs to keep per swarm; default 100.
     *
     * @param runs how many finished runs to keep per swarm; default 100
     * @return this builder
     */
    public Builder historyLimit(int runs) {
      this.historyLimit = runs;
      return this;
    }

    /**
     * Builds the store.
     *
     * @return the store
     * @throws IllegalArgumentException if the TTL is not positive or the history limit below 1
     */
    public InMemoryStore build() {
      return new InMemoryStore(this);
    }
  }
}
