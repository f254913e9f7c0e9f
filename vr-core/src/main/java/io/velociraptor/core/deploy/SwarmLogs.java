package io.velociraptor.core.deploy;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.spi.FleetObserver;
import io.velociraptor.core.spi.LogChunk;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.ProcControlException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The logs of every proc of a swarm, across its hosts, merged: the end of each one's log, then,
 * when followed, what each writes as it arrives. Procs that start while it follows (a dispatch
 * replacing them) join with their log from its beginning; procs that go away end, their last
 * line first. Lines carry no clock of their own (they are the app's stdout), so they are merged
 * in the order they are read.
 *
 * <p>Reads through {@link ProcController#logRead} (Supervisor's {@code tailProcessStdoutLog}, the
 * embedded supervisor's files) and finds the swarm's procs through the {@link FleetObserver}.
 * Not thread-safe: one follower per instance; {@link #stop} may be called from any thread.
 */
public final class SwarmLogs {
  /**
   * One line of one proc's log, without its line break.
   *
   * @param host the proc's host
   * @param proc the proc
   * @param text the line
   * @param readAt when vr read it (the line carries no clock of its own)
   */
  public record Line(HostName host, ProcName proc, String text, Instant readAt) {}

  /** What a follower is told. */
  public interface Sink {
    /** A line of a proc's log. */
    void line(Line line);

    /** A proc's log is followed from now (it was there at the start or it has just started). */
    default void joined(HostName host, ProcName proc) {}

    /** A proc is gone (retired, deleted or no longer this swarm's); its log ends here. */
    default void ended(HostName host, ProcName proc) {}

    /** More was written than one read takes: a part of the log was skipped. */
    default void skipped(HostName host, ProcName proc) {}

    /** A host could not be read this time; it is tried again on the next round. */
    default void problem(HostName host, String message) {}
  }

  private final ProcController procs;
  private final FleetObserver observer;
  private final List<Host> hosts;
  private final SwarmId swarm;
  private final Predicate<ProcName> only;
  private final int tailBytes;
  private final int readBytes;
  private final Clock clock;
  private final Map<Key, Followed> followed = new LinkedHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition woken = lock.newCondition();
  private volatile boolean stopped;

  private record Key(HostName host, ProcName proc) {}

  private static final class Followed {
    final Host host;
    final ProcName proc;
    long offset;
    final StringBuilder partial = new StringBuilder();

    Followed(Host host, ProcName proc, long offset) {
      this.host = host;
      this.proc = proc;
      this.offset = offset;
    }
  }

  private SwarmLogs(Builder b) {
    this.procs = Objects.requireNonNull(b.procs, "procs");
    this.observer = Objects.requireNonNull(b.observer, "observer");
    this.hosts = List.copyOf(b.hosts);
    this.swarm = Objects.requireNonNull(b.swarm, "swarm");
    this.only = b.only;
    this.tailBytes = b.tailBytes;
    this.readBytes = b.readBytes;
    this.clock = b.clock;
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("no hosts to read the logs of swarm " + swarm + " on");
    }
  }

  /**
   * Starts a builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the end of the log of every proc of the swarm there is now, and remembers where each
   * ended, for {@link #follow}.
   *
   * @param sink told each proc joined, then its lines
   * @return how many procs there were
   */
  public int backlog(Sink sink) {
    for (Map.Entry<Host, List<ProcName>> e : current(sink).entrySet()) {
      for (ProcName p : e.getValue()) {
        Key k = new Key(e.getKey().name(), p);
        if (!followed.containsKey(k)) {
          Followed f = new Followed(e.getKey(), p, -1);
          followed.put(k, f);
          sink.joined(k.host(), p);
          read(f, tailBytes, sink);
        }
      }
    }
    return followed.size();
  }

  /**
   * Follows the logs until {@link #stop} or the deadline: reads every followed proc on from where
   * it was, and looks for procs started or gone every {@code lookEvery}.
   *
   * @param sink told of lines, procs joining and ending, and hosts that could not be read
   * @param readEvery how long to wait between two reads of the logs
   * @param lookEvery how long between two looks for new and gone procs
   * @param deadline when to stop, if not stopped before
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public void follow(Sink sink, Duration readEvery, Duration lookEvery, Optional<Instant> deadline) throws InterruptedException {
    Instant nextLook = clock.instant();
    while (!stopped && deadline.map(d -> clock.instant().isBefore(d)).orElse(true)) {
      if (!clock.instant().isBefore(nextLook)) {
        look(sink);
        nextLook = clock.instant().plus(lookEvery);
      }
      for (Followed f : List.copyOf(followed.values())) {
        read(f, readBytes, sink);
      }
      Duration wait = deadline.map(d -> Duration.between(clock.instant(), d)).filter(d -> d.compareTo(readEvery) < 0)
          .orElse(readEvery);
      lock.lock();
      try {
        if (!stopped && !wait.isNegative()) {
          woken.await(wait.toNanos(), TimeUnit.NANOSECONDS); // until the next read, or stop()
        }
      } finally {
        lock.unlock();
      }
    }
    // the last of every followed log, so that a bounded follow ends with what was written
    for (Followed f : List.copyOf(followed.values())) {
      read(f, readBytes, sink);
      flush(f, sink);
    }
  }

  /** Ends {@link #follow} after its current round; safe from any thread. */
  public void stop() {
    stopped = true;
    lock.lock();
    try {
      woken.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void look(Sink sink) {
    Map<Host, List<ProcName>> now = current(sink);
    List<Key> present = new ArrayList<>();
    for (Map.Entry<Host, List<ProcName>> e : now.entrySet()) {
      for (ProcName p : e.getValue()) {
        Key k = new Key(e.getKey().name(), p);
        present.add(k);
        if (!followed.containsKey(k)) {
          // started since: its whole log (up to one read), so its first lines are not lost
          Followed f = new Followed(e.getKey(), p, 0);
          followed.put(k, f);
          sink.joined(k.host(), p);
          read(f, readBytes, sink);
        }
      }
    }
    for (Key k : List.copyOf(followed.keySet())) {
      boolean hostSeen = now.keySet().stream().anyMatch(h -> h.name().equals(k.host()));
      if (hostSeen && !present.contains(k)) {
        Followed f = followed.remove(k);
        flush(f, sink);
        sink.ended(k.host(), k.proc());
      }
    }
  }

  /** @return the swarm's procs on each host that answered (a host that did not is not in it) */
  private Map<Host, List<ProcName>> current(Sink sink) {
    Map<Host, List<ProcName>> out = new LinkedHashMap<>();
    for (HostSnapshot s : observer.observe(hosts)) {
      if (!s.reachable()) {
        sink.problem(s.host().name(), s.unreachableReason().orElse("unreachable"));
        continue;
      }
      List<ProcName> mine = new ArrayList<>();
      for (ObservedProc p : s.procs()) {
        if (p.name() instanceof ProcName.Ours o && o.swarmId().equals(swarm) && only.test(p.name())) {
          mine.add(p.name());
        }
      }
      out.put(s.host(), mine);
    }
    return out;
  }

  private void read(Followed f, int maxBytes, Sink sink) {
    LogChunk c;
    try {
      c = procs.logRead(f.host, f.proc, f.offset, maxBytes);
    } catch (ProcControlException e) {
      sink.problem(f.host.name(), e.getMessage());
      return;
    }
    if (c.skipped() && f.offset >= 0) {
      f.partial.setLength(0); // what it began is gone
      sink.skipped(f.host.name(), f.proc);
    }
    String text = c.text();
    if (c.skipped() && f.offset < 0) {
      int nl = text.indexOf('\n');
      text = nl < 0 ? "" : text.substring(nl + 1); // the end of a log begins mid-line: from the next one
    }
    f.offset = c.nextOffset();
    f.partial.append(text);
    int nl;
    Instant at = clock.instant();
    while ((nl = f.partial.indexOf("\n")) >= 0) {
      String line = f.partial.substring(0, nl);
      f.partial.delete(0, nl + 1);
      sink.line(new Line(f.host.name(), f.proc, line.endsWith("\r") ? line.substring(0, line.length() - 1) : line, at));
    }
  }

  private void flush(Followed f, Sink sink) {
    if (f.partial.length() > 0) {
      sink.line(new Line(f.host.name(), f.proc, f.partial.toString(), clock.instant()));
      f.partial.setLength(0);
    }
  }

  /** Builds a {@link SwarmLogs}. */
  public static final class Builder {
    private ProcController procs;
    private FleetObserver observer;
    private List<Host> hosts = List.of();
    private SwarmId swarm;
    private Predicate<ProcName> only = p -> true;
    private int tailBytes = 16 * 1024;
    private int readBytes = 256 * 1024;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * Sets what reads the logs.
     *
     * @param procs the proc controller
     * @return this
     */
    public Builder procs(ProcController procs) {
      this.procs = procs;
      return this;
    }

    /**
     * Sets what finds the swarm's procs.
     *
     * @param observer the fleet observer
     * @return this
     */
    public Builder observer(FleetObserver observer) {
      this.observer = observer;
      return this;
    }

    /**
     * Sets the hosts to look on (the swarm's squad).
     *
     * @param hosts the hosts
     * @return this
     */
    public Builder hosts(List<Host> hosts) {
      this.hosts = List.copyOf(hosts);
      return this;
    }

    /**
     * Sets the swarm whose procs' logs are read.
     *
     * @param swarm the swarm's id
     * @return this
     */
    public Builder swarm(SwarmId swarm) {
      this.swarm = swarm;
      return this;
    }

    /**
     * Sets which of the swarm's procs to read (default all).
     *
     * @param only the procs to read
     * @return this
     */
    public Builder only(Predicate<ProcName> only) {
      this.only = Objects.requireNonNull(only, "only");
      return this;
    }

    /**
     * Sets how much of the end of each log the backlog shows (default 16 KiB).
     *
     * @param bytes the bytes
     * @return this
     * @throws IllegalArgumentException if not positive
     */
    public Builder tailBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("tailBytes must be positive: " + bytes);
      }
      this.tailBytes = bytes;
      return this;
    }

    /**
     * Sets at most how much of a log one read takes while following (default 256 KiB).
     *
     * @param bytes the bytes
     * @return this
     * @throws IllegalArgumentException if not positive
     */
    public Builder readBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("readBytes must be positive: " + bytes);
      }
      this.readBytes = bytes;
      return this;
    }

    /**
     * Sets the clock for read times and deadlines.
     *
     * @param clock the clock
     * @return this
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the follower.
     *
     * @return the follower
     */
    public SwarmLogs build() {
      return new SwarmLogs(this);
    }
  }
}
