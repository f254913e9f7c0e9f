package io.velociraptor.supervisor;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.spi.FleetObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots many hosts' supervisords concurrently: one {@code getAllProcessInfo} per host per
 * snapshot, on a bounded pool, each host within its own deadline (default {@value
 * #DEFAULT_DEADLINE_MILLIS} ms, connect included). A host that refuses, times out, rejects the
 * credentials or answers nonsense is {@linkplain HostSnapshot#unreachable unreachable} with the
 * reason; it never looks empty. A snapshot therefore takes about as long as the slowest host,
 * where the original's sequential loop took the sum.
 */
public final class SupervisorFleetObserver implements FleetObserver, AutoCloseable {
  /** Default per-host deadline. */
  public static final long DEFAULT_DEADLINE_MILLIS = 2_000;
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorFleetObserver.class);

  private final ClientPool clients;
  private final Duration deadline;
  private final int concurrency;
  private final ExecutorService pool;

  private SupervisorFleetObserver(Builder b) {
    this.clients = new ClientPool(b.endpoints);
    this.deadline = b.deadline;
    this.concurrency = b.concurrency;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "vr-fleet-observer-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** A builder; endpoints are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Observes each host through its supervisord, several at once; a host that fails or takes too
   * long is an unreachable snapshot.
   */
  @Override
  public List<HostSnapshot> observe(Collection<Host> hosts) {
    Map<HostName, Host> unique = new TreeMap<>();
    for (Host h : hosts) {
      unique.putIfAbsent(h.name(), h);
    }
    Map<HostName, Future<HostSnapshot>> futures = new TreeMap<>();
    for (Host h : unique.values()) {
      futures.put(h.name(), pool.submit(() -> observeOne(h)));
    }
    // each task ends within its deadline once it runs; queued tasks wait for a free thread
    int waves = (unique.size() + concurrency - 1) / Math.max(1, concurrency);
    long bound = System.nanoTime() + deadline.plusSeconds(1).multipliedBy(Math.max(1, waves)).toNanos();
    List<HostSnapshot> out = new ArrayList<>(unique.size());
    for (Map.Entry<HostName, Future<HostSnapshot>> e : futures.entrySet()) {
      Host host = unique.get(e.getKey());
      try {
        out.add(e.getValue().get(Math.max(0, bound - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (TimeoutException ex) {
        e.getValue().cancel(true);
        out.add(HostSnapshot.unreachable(host, "no snapshot within " + deadline.toMillis() + " ms"));
      } catch (ExecutionException ex) {
        out.add(HostSnapshot.unreachable(host, "observation failed: " + ex.getCause()));
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        futures.values().forEach(f -> f.cancel(true));
        throw new IllegalStateException("interrupted while observing the fleet", ex);
      }
    }
    return List.copyOf(out);
  }

  /**
   * Returns its snapshot, reachable or not.
   *
   * @param host one host
   * @return its snapshot, reachable or not
   */
  public HostSnapshot observe(Host host) {
    return observe(List.of(host)).get(0);
  }

  private HostSnapshot observeOne(Host host) {
    SupervisorClient client;
    try {
      SupervisorClient shared = clients.client(host);
      client = shared.withReadTimeout(deadline);
    } catch (RuntimeException e) {
      return HostSnapshot.unreachable(host, "cannot address its supervisor: " + e.getMessage());
    }
    try {
      return HostSnapshot.reachable(host, SupervisorProcController.toObserved(host, client.getAllProcessInfo()));
    } catch (SupervisorException e) {
      LOG.debug("host {} is unreachable: {}", host.name(), e.getMessage());
      // the message says what happened ("cannot reach ...: connection refused", "did not answer within ...");
      // a kind prefix would make the plan say "unreachable h3: unreachable: ..."
      return HostSnapshot.unreachable(host, e.getMessage());
    }
  }

  /** Releases the pool and the clients. */
  @Override
  public void close() {
    pool.shutdownNow();
    clients.close();
  }

  /** Collects a {@link SupervisorFleetObserver}. */
  public static final class Builder {
    private SupervisorEndpoints endpoints;
    private Duration deadline = Duration.ofMillis(DEFAULT_DEADLINE_MILLIS);
    private int concurrency = 16;

    private Builder() {}

    /**
     * Sets how to reach each host's supervisord.
     *
     * @param endpoints how to reach each host's supervisord
     * @return this builder
     */
    public Builder endpoints(SupervisorEndpoints endpoints) {
      this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
      return this;
    }

    /**
     * Sets the most one host's snapshot may take, connecting included.
     *
     * @param deadline the most one host's snapshot may take, connecting included
     * @return this builder
     */
    public Builder deadline(Duration deadline) {
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive: " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    /**
     * Sets how many hosts are observed at once (default 16).
     *
     * @param concurrency how many hosts are observed at once (default 16)
     * @return this builder
     */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /**
     * Builds the observer; close it to release its threads.
     *
     * @return the observer; close it to release its threads
     * @throws IllegalStateException if no endpoints were given
     */
    public SupervisorFleetObserver build() {
      if (endpoints == null) {
        throw new IllegalStateException("a SupervisorFleetObserver needs endpoints");
      }
      return new SupervisorFleetObserver(this);
    }
  }
}
