package io.velociraptor.core.store;

import io.velociraptor.core.json.InvalidInputException;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ImmutablePortLock;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.RunStep;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.PortTakenException;
import io.velociraptor.core.spi.Reclaimed;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.spi.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's rules, written once over a few record primitives (JSON text by collection and
 * key) that {@link FileStore} keeps in files and {@link InMemoryStore} in maps. Everything that
 * must change together (port locks, live runs, run numbers) is one record, {@link LiveState}, so
 * each rule is one atomic write inside {@link #atomically}. A run is copied to its history record
 * when it finishes, before it leaves the live record.
 */
abstract class RecordStore implements Store {
  private static final Logger LOG = LoggerFactory.getLogger(RecordStore.class);
  static final String APPS = "apps";
  static final String SWARMS = "swarms";
  static final String BUILDS = "builds";
  static final String RELEASES = "releases";
  static final String RUNS = "runs";
  static final String META = "meta";
  static final String LIVE = "live";
  private static final Pattern RUN_ID = Pattern.compile("([a-z2-7]{8})-([0-9]{6,18})");

  /** The default TTL: a live run silent this long, or a lock of no run this old, is stale. */
  static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(30);
  /** The default number of finished runs kept per swarm. */
  static final int DEFAULT_HISTORY_LIMIT = 100;

  private final Clock clock;
  private final Duration staleAfter;
  private final int historyLimit;
  private final Function<SwarmRun.Owner, Optional<String>> ownerCheck;

  RecordStore(Clock clock, Duration staleAfter, int historyLimit,
      Function<SwarmRun.Owner, Optional<String>> ownerCheck) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (staleAfter.isNegative() || staleAfter.isZero()) {
      throw new IllegalArgumentException("staleAfter must be positive: " + staleAfter);
    }
    if (historyLimit < 1) {
      throw new IllegalArgumentException("historyLimit must be at least 1: " + historyLimit);
    }
    this.staleAfter = staleAfter;
    this.historyLimit = historyLimit;
    this.ownerCheck = Objects.requireNonNull(ownerCheck, "ownerCheck");
  }

  // ---- primitives -------------------------------------------------------------------------

  /** The record's JSON text, if present. Safe outside {@link #atomically}. */
  abstract Optional<String> read(String collection, String key);

  /** The keys of a collection, sorted. Safe outside {@link #atomically}. */
  abstract List<String> keys(String collection);

  /** Replaces a record atomically. Called only inside {@link #atomically}. */
  abstract void write(String collection, String key, String json);

  /** Deletes a record; whether it existed. Called only inside {@link #atomically}. */
  abstract boolean delete(String collection, String key);

  /** The names of the collections that hold records (any order). Safe outside {@link #atomically}. */
  abstract List<String> collections();

  /** Runs work holding the store's exclusive lock (reentrant). */
  abstract <T> T atomically(String operation, Supplier<T> work);

  /** Where the store is, for messages. */
  abstract String location();

  /**
   * Whether a failure to read one record of a list may skip it (a corrupt record) rather than
   * fail the list: a store whose storage went away must fail, not return part of a list.
   */
  boolean skippable(StoreException e) {
    return true;
  }

  // ---- plain records ----------------------------------------------------------------------

  private <T> Optional<T> get(String collection, String key, Class<T> type) {
    return read(collection, key).map(json -> decode(collection, key, json, type));
  }

  private <T> T decode(String collection, String key, String json, Class<T> type) {
    try {
      return VrJson.readJson(json, type);
    } catch (InvalidInputException e) {
      throw new StoreException(location() + " " + collection + "/" + key, "read " + type.getSimpleName(),
          "the stored record cannot be read (" + e.getMessage() + "); restore it from a backup or delete it", e);
    }
  }

  /**
   * Every readable record of a collection. An unreadable one is skipped with a warning naming it
   * (and left as it is), so one corrupt record does not hide all the others; reading it by key
   * still fails, naming it.
   */
  private <T> List<T> all(String collection, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (String key : keys(collection)) {
      try {
        get(collection, key, type).ifPresent(out::add);
      } catch (StoreException e) {
        if (!skippable(e)) {
          throw e;
        }
        LOG.warn("skipping an unreadable record: {}", e.getMessage());
      }
    }
    return out;
  }

  private void put(String operation, String collection, String key, Object value) {
    String json = VrJson.writeJson(value);
    atomically(operation, () -> {
      write(collection, key, json);
      return null;
    });
  }

  private boolean remove(String operation, String collection, String key) {
    return atomically(operation, () -> delete(collection, key));
  }

  private static String buildsOf(AppName app) {
    return BUILDS + "/" + app.value();
  }

  @Override
  public void putApp(App app) {
    put("put app " + app.name(), APPS, app.name().value(), app);
  }

  @Override
  public Optional<App> app(AppName name) {
    return get(APPS, name.value(), App.class);
  }

  @Override
  public List<App> apps() {
    return all(APPS, App.class).stream().sorted(Comparator.comparing(App::name)).toList();
  }

  @Override
  public boolean deleteApp(AppName name) {
    return remove("delete app " + name, APPS, name.value());
  }

  @Override
  public void putSwarm(Swarm swarm) {
    put("put swarm " + swarm.id(), SWARMS, swarm.id().value(), swarm);
  }

  @Override
  public Optional<Swarm> swarm(SwarmId id) {
    return get(SWARMS, id.value(), Swarm.class);
  }

  @Override
  public List<Swarm> swarms() {
    return all(SWARMS, Swarm.class).stream().sorted(Comparator.comparing(Swarm::id)).toList();
  }

  @Override
  public boolean deleteSwarm(SwarmId id) {
    return remove("delete swarm " + id, SWARMS, id.value());
  }

  @Override
  public void putBuild(Build build) {
    put("put build " + build.app() + " " + build.version(), buildsOf(build.app()), build.version().value(), build);
  }

  @Override
  public Optional<Build> build(AppName app, Version version) {
    return get(buildsOf(app), version.value(), Build.class);
  }

  @Override
  public List<Build> builds(AppName app) {
    return all(buildsOf(app), Build.class).stream().sorted(Comparator.comparing(Build::version)).toList();
  }

  @Override
  public boolean deleteBuild(AppName app, Version version) {
    return remove("delete build " + app + " " + version, buildsOf(app), version.value());
  }

  @Override
  public void putRelease(Release release) {
    put("put release " + release.hash(), RELEASES, release.hash().value(), release);
  }

  @Override
  public Optional<Release> release(ReleaseHash hash) {
    return get(RELEASES, hash.value(), Release.class);
  }

  @Override
  public List<Release> releases() {
    return all(RELEASES, Release.class).stream().sorted(Comparator.comparing(Release::hash)).toList();
  }

  @Override
  public boolean deleteRelease(ReleaseHash hash) {
    return remove("delete release " + hash, RELEASES, hash.value());
  }

  // ---- live state --------------------------------------------------------------------------

  private LiveState loadLive() {
    return get(META, LIVE, LiveState.class).orElseGet(LiveState::empty);
  }

  private void saveLive(LiveState live) {
    write(META, LIVE, VrJson.writeJson(live));
  }

  private Instant now() {
    return clock.instant();
  }

  /** A working copy of the live record inside one atomic section. */
  private final class Tx {
    LiveState live = loadLive();
    final LiveState loaded = live;
    final List<SwarmRun> failed = new ArrayList<>();
    final List<PortLock> released = new ArrayList<>();
    final Instant now = now();

    void saveIfChanged() {
      if (!live.equals(loaded)) {
        saveLive(live);
      }
    }

    /** Fails stale live runs and drops stale locks: the staleness rule of {@link Store}. */
    void reclaim() {
      List<SwarmRun> keep = new ArrayList<>();
      for (SwarmRun run : live.runs()) {
        Optional<SwarmRun> finished = finishedRun(run.id());
        if (finished.isPresent()) {
          // the owner wrote the finished run, then died before it left the live record
          continue;
        }
        Optional<String> why = staleReason(run, now);
        if (why.isEmpty()) {
          keep.add(run);
          continue;
        }
        SwarmRun dead = run.withState(RunState.FAILED, "abandoned: " + why.get(), latest(now, run.updatedAt()));
        archive(dead);
        failed.add(dead);
      }
      live = live.withRuns(keep);
      Map<String, SwarmRun> liveRuns = live.runsById();
      List<PortLock> locks = new ArrayList<>();
      for (PortLock lock : live.portLocks()) {
        if (lockIsStale(lock, liveRuns)) {
          released.add(lock);
        } else {
          locks.add(lock);
        }
      }
      live = live.withPortLocks(locks);
      // one line per reclaimed run, with the locks it held; then the stale locks of no run
      for (SwarmRun dead : failed) {
        List<String> its = released.stream().filter(l -> l.owner().equals(dead.id()))
            .map(l -> l.host() + ":" + l.port()).toList();
        LOG.warn("reclaimed run {} of swarm {}: {}{}", dead.id(), dead.swarmId(),
            dead.failureReason().orElse("").replaceFirst("^abandoned: ", ""),
            its.isEmpty() ? "" : "; released its port locks " + String.join(", ", its));
      }
      List<String> orphans = released.stream().filter(l -> failed.stream().noneMatch(r -> r.id().equals(l.owner())))
          .map(l -> l.host() + ":" + l.port() + " of " + l.owner()).toList();
      if (!orphans.isEmpty()) {
        LOG.warn("released stale port locks {}", String.join(", ", orphans));
      }
    }

    private boolean lockIsStale(PortLock lock, Map<String, SwarmRun> liveRuns) {
      if (liveRuns.containsKey(lock.owner())) {
        return false;
      }
      if (failed.stream().anyMatch(r -> r.id().equals(lock.owner())) || finishedRun(lock.owner()).isPresent()) {
        return true;
      }
      return lock.createdAt().map(at -> Duration.between(at, now).compareTo(staleAfter) > 0).orElse(false);
    }
  }

  private static Instant latest(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private Optional<String> staleReason(SwarmRun run, Instant now) {
    if (run.state().isPaused()) {
      return Optional.empty(); // waits for vr promote or vr revert, however long that takes
    }
    Optional<String> gone = ownerCheck.apply(run.owner());
    if (gone.isPresent()) {
      return gone;
    }
    Duration silent = Duration.between(run.updatedAt(), now);
    if (silent.compareTo(staleAfter) > 0) {
      return Optional.of("no change for " + silent + ", over the TTL of " + staleAfter
          + " (owner " + run.owner() + ")");
    }
    return Optional.empty();
  }

  /** The run's finished history record, if it has one. */
  private Optional<SwarmRun> finishedRun(String runId) {
    Matcher m = RUN_ID.matcher(runId);
    if (!m.matches()) {
      return Optional.empty();
    }
    return get(RUNS + "/" + m.group(1), runId, SwarmRun.class).filter(r -> r.state().isTerminal());
  }

  /** Writes a finished run to its swarm's history and drops the oldest beyond the limit. */
  private void archive(SwarmRun run) {
    String collection = RUNS + "/" + run.swarmId().value();
    write(collection, run.id(), VrJson.writeJson(run));
    List<String> ids = new ArrayList<>(keys(collection));
    ids.sort(Comparator.comparingLong(RecordStore::runNumber).thenComparing(Comparator.naturalOrder()));
    for (int i = 0; i < ids.size() - historyLimit; i++) {
      delete(collection, ids.get(i));
    }
  }

  private static long runNumber(String runId) {
    Matcher m = RUN_ID.matcher(runId);
    return m.matches() ? Long.parseLong(m.group(2)) : 0;
  }

  @Override
  public SortedSet<PortLock> reserve(HostName host, Collection<Port> ports, String owner) {
    Objects.requireNonNull(host, "host");
    PortLock.of(host, Port.of(1), owner); // validates the owner before anything is touched
    TreeSet<Port> asked = new TreeSet<>(ports);
    return atomically("reserve ports on " + host, () -> {
      Tx tx = new Tx();
      tx.reclaim();
      TreeSet<PortLock> conflicts = new TreeSet<>();
      TreeSet<Port> held = new TreeSet<>();
      for (PortLock lock : tx.live.portLocks()) {
        if (lock.host().equals(host) && asked.contains(lock.port())) {
          if (lock.owner().equals(owner)) {
            held.add(lock.port());
          } else {
            conflicts.add(lock);
          }
        }
      }
      if (!conflicts.isEmpty()) {
        tx.saveIfChanged();
        throw new PortTakenException(location(), host, owner, conflicts);
      }
      List<PortLock> locks = new ArrayList<>(tx.live.portLocks());
      for (Port port : asked) {
        if (!held.contains(port)) {
          locks.add(ImmutablePortLock.builder().host(host).port(port).owner(owner).createdAt(tx.now).build());
        }
      }
      tx.live = tx.live.withPortLocks(locks);
      tx.saveIfChanged();
      TreeSet<PortLock> mine = new TreeSet<>();
      for (PortLock lock : tx.live.portLocks()) {
        if (lock.host().equals(host) && asked.contains(lock.port())) {
          mine.add(lock);
        }
      }
      return mine;
    });
  }

  @Override
  public int release(String owner) {
    return atomically("release the port locks of " + owner, () -> {
      Tx tx = new Tx();
      List<PortLock> keep = tx.live.portLocks().stream().filter(l -> !l.owner().equals(owner)).toList();
      int released = tx.live.portLocks().size() - keep.size();
      tx.live = tx.live.withPortLocks(keep);
      tx.saveIfChanged();
      return released;
    });
  }

  @Override
  public boolean release(HostName host, Port port) {
    return atomically("release port lock " + host + ":" + port, () -> {
      Tx tx = new Tx();
      List<PortLock> keep = tx.live.portLocks().stream()
          .filter(l -> !(l.host().equals(host) && l.port().equals(port))).toList();
      boolean released = keep.size() != tx.live.portLocks().size();
      tx.live = tx.live.withPortLocks(keep);
      tx.saveIfChanged();
      return released;
    });
  }

  @Override
  public SortedSet<PortLock> portLocks() {
    return new TreeSet<>(loadLive().portLocks());
  }

  // ---- runs ---------------------------------------------------------------------------------

  @Override
  public BeginRun tryBeginRun(SwarmId swarm, String traceId, SwarmRun.Owner owner) {
    Objects.requireNonNull(swarm, "swarm");
    Objects.requireNonNull(owner, "owner");
    return atomically("begin a run of swarm " + swarm, () -> {
      Tx tx = new Tx();
      tx.reclaim();
      Optional<SwarmRun> holder = tx.live.runs().stream().filter(r -> r.swarmId().equals(swarm)).findFirst();
      if (holder.isPresent()) {
        tx.saveIfChanged();
        return new BeginRun.Busy(holder.get());
      }
      long number = tx.live.runNumbers().containsKey(swarm.value())
          ? tx.live.runNumbers().get(swarm.value()) + 1
          : keys(RUNS + "/" + swarm.value()).stream().mapToLong(RecordStore::runNumber).max().orElse(0) + 1;
      String id = String.format("%s-%06d", swarm.value(), number);
      SwarmRun run = SwarmRun.begin(id, swarm, traceId, owner, tx.now);
      List<SwarmRun> runs = new ArrayList<>(tx.live.runs());
      runs.add(run);
      tx.live = tx.live.withRuns(runs).withRunNumber(swarm.value(), number);
      tx.saveIfChanged();
      return new BeginRun.Started(run);
    });
  }

  private SwarmRun update(String runId, String operation, Function<SwarmRun, SwarmRun> change) {
    Objects.requireNonNull(runId, "runId");
    return atomically(operation + " of run " + runId, () -> {
      Tx tx = new Tx();
      SwarmRun current = tx.live.runsById().get(runId);
      if (current == null) {
        SwarmRun finished = finishedRun(runId).orElseThrow(() -> new StoreException(location(),
            operation + " of run " + runId, "there is no such run; check the id (history(swarm) lists a swarm's runs)",
            null));
        change.apply(finished); // a finished run refuses every change: let it say so
        throw new IllegalStateException("finished run " + runId + " accepted a change");
      }
      SwarmRun next = change.apply(current);
      List<SwarmRun> runs = new ArrayList<>(tx.live.runs());
      runs.remove(current);
      if (next.state().isTerminal()) {
        archive(next);
      } else {
        runs.add(next);
      }
      tx.live = tx.live.withRuns(runs);
      tx.saveIfChanged();
      return next;
    });
  }

  @Override
  public SwarmRun transition(String runId, RunState state, String message) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(message, "message");
    return update(runId, "move to " + state, r -> r.withState(state, message, latest(now(), r.updatedAt())));
  }

  @Override
  public SwarmRun recordStep(String runId, RunStep step) {
    Objects.requireNonNull(step, "step");
    return update(runId, "record step " + step.name(), r -> r.withStep(step, latest(now(), r.updatedAt())));
  }

  @Override
  public SwarmRun recordPlan(String runId, String planJson) {
    Objects.requireNonNull(planJson, "planJson");
    return update(runId, "record the plan", r -> r.withPlan(planJson, latest(now(), r.updatedAt())));
  }

  @Override
  public SwarmRun recordTarget(String runId, Swarm swarm, Optional<ReleaseHash> release) {
    Objects.requireNonNull(swarm, "swarm");
    Objects.requireNonNull(release, "release");
    return update(runId, "record the target", r -> r.withTarget(swarm, release, latest(now(), r.updatedAt())));
  }

  @Override
  public SwarmRun resume(String runId, SwarmRun.Owner owner, RunState next, String message) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(next, "next");
    Objects.requireNonNull(message, "message");
    return update(runId, "resume", r -> r.resumedBy(owner, next, message, latest(now(), r.updatedAt())));
  }

  @Override
  public SwarmRun heartbeat(String runId) {
    return update(runId, "heartbeat", r -> r.withHeartbeat(latest(now(), r.updatedAt())));
  }

  @Override
  public Optional<SwarmRun> status(String runId) {
    Optional<SwarmRun> finished = finishedRun(runId);
    if (finished.isPresent()) {
      return finished;
    }
    return Optional.ofNullable(loadLive().runsById().get(runId));
  }

  @Override
  public List<SwarmRun> history(SwarmId swarm) {
    Map<String, SwarmRun> byId = new java.util.TreeMap<>();
    loadLive().runs().stream().filter(r -> r.swarmId().equals(swarm)).forEach(r -> byId.put(r.id(), r));
    // a finished record wins over a live one left by an owner that died in between
    all(RUNS + "/" + swarm.value(), SwarmRun.class).forEach(r -> byId.put(r.id(), r));
    return byId.values().stream()
        .sorted(Comparator.comparing(SwarmRun::createdAt)
            .thenComparingLong(r -> runNumber(r.id()))
            .thenComparing(SwarmRun::id))
        .toList();
  }

  @Override
  public Optional<SwarmRun> activeRun(SwarmId swarm) {
    return loadLive().runs().stream()
        .filter(r -> r.swarmId().equals(swarm))
        .filter(r -> finishedRun(r.id()).isEmpty())
        .findFirst();
  }

  @Override
  public Reclaimed reclaimStale() {
    return atomically("reclaim stale runs and port locks", () -> {
      Tx tx = new Tx();
      tx.reclaim();
      tx.saveIfChanged();
      return new Reclaimed(tx.failed, tx.released);
    });
  }
}
