package io.velociraptor.core.routing;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.spi.Balancer;
import io.velociraptor.core.spi.BalancerException;
import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Balancer} over one or more nginx servers, each reached through a {@link
 * io.velociraptor.core.spi.CommandRunner} (so local and SSH hosts are the same to it). Each pool
 * is one upstream file, {@code <pools dir>/<pool>.conf}, which the nginx configuration includes;
 * the {@code server}/{@code location} that proxies to the upstream is the operator's, as in the
 * original.
 *
 * <p>A change is applied to the hosts in order. On each host: the new file is written
 * atomically; {@code nginx -t} validates the whole configuration, and if it fails the previous
 * file is put back and nothing is reloaded; then {@code nginx -s reload}, confirmed by polling
 * the master's workers until a new worker runs and every old one is gone or shutting down (an
 * old worker that is shutting down has closed its listening sockets), so when a call returns,
 * new requests see the new pool. If a host fails, the hosts changed before it are restored and
 * reloaded, in reverse order, and the exception says which hosts were rolled back.
 *
 * <p>An emptied pool keeps its file with a placeholder {@code server 127.0.0.1:1 down;} by
 * default ({@link EmptyPool#PLACEHOLDER}), so an operator's {@code proxy_pass http://pool}
 * still validates (requests get 502); with {@link EmptyPool#DELETE_FILE} the file is removed.
 * Either way the pool no longer appears in {@link #pools()}.
 *
 * <p>Calls are serialized within this object (the read, change, reload sequence is not safe to
 * interleave); two processes changing the same pool at once are not coordinated here: a
 * dispatcher gives each pool one owner (one run per swarm). Every call is bounded: the lock wait,
 * each command and each reload confirmation have timeouts.
 */
public final class NginxBalancer implements Balancer {
  private static final Logger LOG = LoggerFactory.getLogger(NginxBalancer.class);

  /** What to do with a pool's file when its last member is removed. */
  public enum EmptyPool {
    /** Keep the upstream with one {@code down} placeholder server (the default). */
    PLACEHOLDER,
    /** Remove the file; only for setups where no configuration names the upstream statically. */
    DELETE_FILE
  }

  private final BalancerName name;
  private final List<NginxHost> hosts;
  private final EmptyPool emptyPool;
  private final Duration commandTimeout;
  private final Duration reloadTimeout;
  private final Duration lockTimeout;
  private final ReentrantLock lock = new ReentrantLock();

  private NginxBalancer(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    if (b.hosts.isEmpty()) {
      throw new IllegalArgumentException("an nginx balancer needs at least one host");
    }
    this.hosts = List.copyOf(b.hosts);
    this.emptyPool = b.emptyPool;
    this.commandTimeout = positive("commandTimeout", b.commandTimeout);
    this.reloadTimeout = positive("reloadTimeout", b.reloadTimeout);
    this.lockTimeout = positive("lockTimeout", b.lockTimeout);
  }

  private static Duration positive(String what, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
    return d;
  }

  /** A new builder for a {@link NginxBalancer}. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public BalancerName name() {
    return name;
  }

  /** The hosts, in the order changes are applied. */
  public List<NginxHost> hosts() {
    return hosts;
  }

  @Override
  public SortedSet<PoolMember> members(PoolName pool) {
    RoutingNames.pool(name.value(), pool);
    return locked("read pool " + pool, () -> union(pool, readAll(pool)));
  }

  @Override
  public void add(PoolName pool, Collection<PoolMember> members) {
    SortedSet<PoolMember> added = RoutingNames.members(name.value(), RoutingNames.pool(name.value(), pool), members);
    change(pool, "add " + added, current -> {
      TreeSet<PoolMember> out = new TreeSet<>(current);
      out.addAll(added);
      return out;
    });
  }

  @Override
  public void remove(PoolName pool, Collection<PoolMember> members) {
    SortedSet<PoolMember> removed = RoutingNames.members(name.value(), RoutingNames.pool(name.value(), pool), members);
    change(pool, "remove " + removed, current -> {
      TreeSet<PoolMember> out = new TreeSet<>(current);
      out.removeAll(removed);
      return out;
    });
  }

  @Override
  public SortedSet<PoolName> pools() {
    return locked("list pools", () -> {
      TreeSet<PoolName> names = new TreeSet<>();
      for (NginxHost h : hosts) {
        names.addAll(listPools(h));
      }
      TreeSet<PoolName> out = new TreeSet<>();
      for (PoolName pool : names) {
        if (!union(pool, readAll(pool)).isEmpty()) {
          out.add(pool);
        }
      }
      return out;
    });
  }

  // ---- the change protocol ------------------------------------------------------------------

  private void change(PoolName pool, String what, Function<SortedSet<PoolMember>, SortedSet<PoolMember>> f) {
    locked(what + " in pool " + pool, () -> {
      Map<NginxHost, Optional<String>> before = readAll(pool);
      SortedSet<PoolMember> desired = f.apply(union(pool, before));
      Optional<String> want = desired.isEmpty() && emptyPool == EmptyPool.DELETE_FILE
          ? Optional.empty()
          : Optional.of(PoolFile.render(name.value(), pool, desired));
      List<NginxHost> changed = new ArrayList<>();
      for (Map.Entry<NginxHost, Optional<String>> e : before.entrySet()) {
        NginxHost h = e.getKey();
        Optional<String> previous = e.getValue();
        if (previous.equals(want) || (desired.isEmpty() && previous.isEmpty())) {
          continue;
        }
        try {
          apply(h, pool, previous, want);
          changed.add(h);
        } catch (BalancerException failure) {
          String rollback = rollBack(pool, changed, before, want);
          throw new BalancerException(name.value(), pool.value(), h.host(),
              what + " failed on host " + h.host() + ": " + failure.detail() + rollback, failure);
        }
      }
      if (!changed.isEmpty()) {
        LOG.info("balancer {} pool {}: {} -> {} on {}", name, pool, what, desired, changed);
      }
      return null;
    });
  }

  /** Restores the earlier hosts, last first; says what happened, for the exception. */
  private String rollBack(PoolName pool, List<NginxHost> changed, Map<NginxHost, Optional<String>> before,
      Optional<String> want) {
    if (changed.isEmpty()) {
      return "; no other host had been changed";
    }
    List<String> restored = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = changed.size() - 1; i >= 0; i--) {
      NginxHost h = changed.get(i);
      try {
        apply(h, pool, want, before.get(h));
        restored.add(h.host());
      } catch (BalancerException e) {
        problems.add(h.host() + " (" + e.detail() + ")");
        LOG.error("balancer {} pool {}: rollback on {} failed", name, pool, h.host(), e);
      }
    }
    return "; rolled back " + (restored.isEmpty() ? "no host" : String.join(", ", restored))
        + (problems.isEmpty() ? "" : "; ROLLBACK FAILED on " + String.join(", ", problems)
            + ": those hosts still route the changed pool");
  }

  /** Writes, validates and reloads one host; on failure the host is back as it was. */
  private void apply(NginxHost h, PoolName pool, Optional<String> previous, Optional<String> next) {
    write(h, pool, next);
    CommandResult test = run(h, pool, "-t", "-q");
    if (!test.succeeded()) {
      String restore = restore(h, pool, previous);
      throw new BalancerException(name.value(), pool.value(), h.host(),
          "nginx -t rejected the configuration with the new pool file, so nothing was reloaded" + restore
              + "; nginx said: " + test.stderrTail(10).strip(), null);
    }
    try {
      reload(h, pool);
    } catch (BalancerException e) {
      String restore = restore(h, pool, previous);
      String reloadedOld;
      try {
        reload(h, pool);
        reloadedOld = " and loaded";
      } catch (BalancerException again) {
        reloadedOld = " but could not be loaded either (" + again.detail() + ")";
      }
      throw new BalancerException(name.value(), pool.value(), h.host(),
          e.detail() + restore + reloadedOld, e);
    }
  }

  private String restore(NginxHost h, PoolName pool, Optional<String> previous) {
    try {
      write(h, pool, previous);
      return previous.isPresent() ? "; the previous pool file is back" : "; the new pool file is removed again";
    } catch (BalancerException e) {
      return "; RESTORING THE PREVIOUS FILE FAILED (" + e.detail() + ")";
    }
  }

  // ---- host primitives ----------------------------------------------------------------------

  private Map<NginxHost, Optional<String>> readAll(PoolName pool) {
    Map<NginxHost, Optional<String>> out = new LinkedHashMap<>();
    for (NginxHost h : hosts) {
      String path = h.poolFile(pool.value());
      try {
        out.put(h, h.runner().exists(path)
            ? Optional.of(new String(h.runner().download(path), StandardCharsets.UTF_8))
            : Optional.empty());
      } catch (VrException e) {
        throw new BalancerException(name.value(), pool.value(), h.host(), "cannot read " + path + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  private SortedSet<PoolMember> union(PoolName pool, Map<NginxHost, Optional<String>> files) {
    TreeSet<PoolMember> union = new TreeSet<>();
    Map<String, SortedSet<PoolMember>> byHost = new TreeMap<>();
    for (Map.Entry<NginxHost, Optional<String>> e : files.entrySet()) {
      SortedSet<PoolMember> members = new TreeSet<>();
      if (e.getValue().isPresent()) {
        PoolFile.Parsed parsed = PoolFile.parse(pool, e.getValue().get());
        if (parsed.problem().isPresent()) {
          throw new BalancerException(name.value(), pool.value(), e.getKey().host(),
              e.getKey().poolFile(pool.value()) + " was not written by vr or was edited by hand ("
                  + parsed.problem().get() + "); fix or remove it, vr will not overwrite it blindly", null);
        }
        members = parsed.members();
      }
      byHost.put(e.getKey().host(), members);
      union.addAll(members);
    }
    if (byHost.values().stream().distinct().count() > 1) {
      LOG.warn("balancer {} pool {}: hosts disagree ({}); using the union, the next change writes it everywhere",
          name, pool, byHost);
    }
    return union;
  }

  private void write(NginxHost h, PoolName pool, Optional<String> text) {
    String path = h.poolFile(pool.value());
    try {
      if (text.isPresent()) {
        h.runner().upload(PoolFile.bytes(text.get()), path, 0644);
      } else {
        h.runner().runChecked(command(List.of("rm", "-f", "--", path)));
      }
    } catch (VrException e) {
      throw new BalancerException(name.value(), pool.value(), h.host(),
          "cannot " + (text.isPresent() ? "write " : "remove ") + path + ": " + e.getMessage(), e);
    }
  }

  private CommandResult run(NginxHost h, PoolName pool, String... args) {
    Command c = command(h.nginxArgv(args));
    try {
      return h.runner().run(c);
    } catch (VrException e) {
      throw new BalancerException(name.value(), pool.value(), h.host(), "cannot run " + c.display() + ": "
          + e.getMessage(), e);
    }
  }

  private Command command(List<String> argv) {
    return Command.builder().argv(argv).timeout(commandTimeout).build();
  }

  /**
   * Reloads and waits until the new configuration serves: a worker that was not there before is
   * running and no old worker is still accepting (gone, or titled "is shutting down").
   */
  private void reload(NginxHost h, PoolName pool) {
    long master = masterPid(h, pool);
    Map<Long, String> before = workers(h, pool, master);
    CommandResult r = run(h, pool, "-s", "reload");
    if (!r.succeeded()) {
      throw new BalancerException(name.value(), pool.value(), h.host(),
          "nginx -s reload failed (exit " + r.exitCode() + "): " + r.stderrTail(10).strip(), null);
    }
    long deadline = System.nanoTime() + reloadTimeout.toNanos();
    long pause = TimeUnit.MILLISECONDS.toNanos(2);
    while (true) {
      Map<Long, String> now = workers(h, pool, master);
      boolean fresh = now.entrySet().stream().anyMatch(e -> !before.containsKey(e.getKey()) && accepting(e.getValue()));
      boolean oldRetired = before.keySet().stream().noneMatch(pid -> now.containsKey(pid) && accepting(now.get(pid)));
      if (fresh && oldRetired) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new BalancerException(name.value(), pool.value(), h.host(), "nginx (master pid " + master
            + ") did not start workers with the new configuration within " + reloadTimeout
            + "; its error log says why (workers before: " + before + ", now: " + now + ")", null);
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private static boolean accepting(String title) {
    return title.startsWith("nginx: worker process") && !title.contains("shutting down");
  }

  private long masterPid(NginxHost h, PoolName pool) {
    String text;
    try {
      if (!h.runner().exists(h.pidFile())) {
        throw new BalancerException(name.value(), pool.value(), h.host(), "nginx is not running: no pid file at "
            + h.pidFile() + " (start nginx, or set the host's pidFile to the configuration's pid)", null);
      }
      text = new String(h.runner().download(h.pidFile()), StandardCharsets.US_ASCII).strip();
    } catch (BalancerException e) {
      throw e;
    } catch (VrException e) {
      throw new BalancerException(name.value(), pool.value(), h.host(), "cannot read " + h.pidFile() + ": "
          + e.getMessage(), e);
    }
    if (text.isEmpty()) {
      throw new BalancerException(name.value(), pool.value(), h.host(), "nginx is not running: its pid file "
          + h.pidFile() + " is empty", null);
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new BalancerException(name.value(), pool.value(), h.host(), h.pidFile() + " does not hold a pid: "
          + RoutingNames.quote(text), e);
    }
  }

  /** The master's children, pid to process title; fails if the master is gone. */
  private Map<Long, String> workers(NginxHost h, PoolName pool, long master) {
    String pid = Long.toString(master);
    Command ps = command(List.of("ps", "-o", "pid=,ppid=,args=", "-p", pid, "--ppid", pid));
    CommandResult r;
    try {
      r = h.runner().run(ps);
    } catch (VrException e) {
      throw new BalancerException(name.value(), pool.value(), h.host(), "cannot list nginx's workers: " + e.getMessage(), e);
    }
    Map<Long, String> children = new TreeMap<>();
    boolean masterSeen = false;
    for (String line : r.stdout().split("\n")) {
      String[] f = line.strip().split("\\s+", 3);
      if (f.length < 2) {
        continue;
      }
      long p = Long.parseLong(f[0]);
      if (p == master) {
        masterSeen = true;
      } else if (Long.parseLong(f[1]) == master) {
        children.put(p, f.length > 2 ? f[2] : "");
      }
    }
    if (!masterSeen) {
      throw new BalancerException(name.value(), pool.value(), h.host(), "the nginx master (pid " + master + " from "
          + h.pidFile() + ") is not running", null);
    }
    return children;
  }

  private List<PoolName> listPools(NginxHost h) {
    // only files vr wrote (its header on the first line); others in the directory are the operator's
    String script = "cd \"$1\" || exit 1; for f in *.conf; do [ -f \"$f\" ] || continue; "
        + "head -n 1 -- \"$f\" | grep -q '^" + PoolFile.HEADER + "' && printf '%s\\n' \"$f\"; done; exit 0";
    CommandResult r;
    try {
      r = h.runner().runChecked(command(List.of("sh", "-c", script, "sh", h.poolsDir())));
    } catch (VrException e) {
      throw new BalancerException(name.value(), null, h.host(), "cannot list " + h.poolsDir() + ": " + e.getMessage(), e);
    }
    List<PoolName> out = new ArrayList<>();
    for (String file : r.stdout().split("\n")) {
      if (file.endsWith(".conf")) {
        try {
          out.add(PoolName.of(file.substring(0, file.length() - ".conf".length())));
        } catch (InvalidValueException e) {
          LOG.warn("ignoring {} in {} on {}: not a pool name", file, h.poolsDir(), h.host());
        }
      }
    }
    return out;
  }

  private <T> T locked(String operation, Supplier<T> work) {
    try {
      if (!lock.tryLock(lockTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new BalancerException(name.value(), null, null, operation + " waited over " + lockTimeout
            + " for another change of this balancer to finish", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BalancerException(name.value(), null, null, operation + " was interrupted", e);
    }
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  /** The balancer's name and its nginx hosts, for messages. */
  @Override
  public String toString() {
    return "NginxBalancer[" + name + " on " + hosts.stream().map(NginxHost::host).collect(Collectors.joining(", ")) + "]";
  }

  /** Builds a {@link NginxBalancer}. */
  public static final class Builder {
    private BalancerName name;
    private final List<NginxHost> hosts = new ArrayList<>();
    private EmptyPool emptyPool = EmptyPool.PLACEHOLDER;
    private Duration commandTimeout = Duration.ofSeconds(30);
    private Duration reloadTimeout = Duration.ofSeconds(15);
    private Duration lockTimeout = Duration.ofMinutes(2);

    private Builder() {}

    /**
     * Sets the balancer's name.
     *
     * @param name the balancer's name
     * @return this builder
     */
    public Builder name(BalancerName name) {
      this.name = name;
      return this;
    }

    /**
     * Adds a host; changes are applied in the order hosts are added.
     *
     * @param host the host
     * @return this builder
     */
    public Builder addHost(NginxHost host) {
      this.hosts.add(Objects.requireNonNull(host, "host"));
      return this;
    }

    /**
     * Sets what to do with an emptied pool's file; default {@link EmptyPool#PLACEHOLDER}.
     *
     * @param policy what to do with an emptied pool's file; default {@link EmptyPool#PLACEHOLDER}
     * @return this builder
     */
    public Builder emptyPool(EmptyPool policy) {
      this.emptyPool = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets the timeout of each command on a host; default 30 s.
     *
     * @param timeout for each command on a host; default 30 s
     * @return this builder
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long a reload may take to serve the new configuration; default 15 s.
     *
     * @param timeout how long a reload may take to serve the new configuration; default 15 s
     * @return this builder
     */
    public Builder reloadTimeout(Duration timeout) {
      this.reloadTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long a call waits for another call of this balancer; default 2 min.
     *
     * @param timeout how long a call waits for another call of this balancer; default 2 min
     * @return this builder
     */
    public Builder lockTimeout(Duration timeout) {
      this.lockTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Builds the balancer.
     *
     * @return the balancer
     * @throws NullPointerException if the name is missing
     * @throws IllegalArgumentException if there is no host or a timeout is not positive
     */
    public NginxBalancer build() {
      return new NginxBalancer(this);
    }
  }
}
