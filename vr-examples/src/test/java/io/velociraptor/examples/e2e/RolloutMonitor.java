package io.velociraptor.examples.e2e;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchListener;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.SwarmId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts a swarm's procs and its procs in service (in nginx's pool and running) while it rolls,
 * two ways: from the dispatcher's events, at every event (a listener of the dispatcher that
 * rolls), and from the real components, sampled by a background thread (Supervisor and the
 * balancer's pool). Records the fewest in service and the most procs each way seen, and the
 * waves the run started.
 *
 * <p>The event count starts from what runs when the monitor is made: a proc counts from its
 * {@code ProcStarting} to its {@code ProcStopped} (so a proc being installed already counts, and
 * the most is an upper bound), it runs from {@code ProcStarted} to {@code ProcStopped}, and a pool
 * member is in from {@code Routed} to {@code Unrouted}. The dispatcher emits each after it acted,
 * and in the order it acted, so the count after each event is the state after that action.
 *
 * <p>The sampler takes a sample each time the dispatcher has reported a proc or route event since
 * its last sample began (so it samples all through a rollout and rests between dispatches). A sample reads the swarm's running procs, then the pool, then the running procs again: a
 * member of that pool counts in service if its proc ran at either reading (a routed proc runs from
 * before its route is added to after it is removed, so it cannot miss both readings while routed;
 * a proc that does not run at all is counted out). The most procs is the larger reading.
 */
final class RolloutMonitor implements DispatchListener, AutoCloseable {
  private final E2eWorld world;
  private final SwarmId swarm;
  private final String newVersion;
  private final Set<String> procs = new TreeSet<>();
  private final Set<PoolMember> running = new TreeSet<>();
  private final Set<PoolMember> pool = new TreeSet<>();
  private final List<String> log = new ArrayList<>();
  private final List<DispatchEvent.WaveStarted> waves = new ArrayList<>();
  private int eventMaxProcs;
  private int eventMinInService;
  private int events;

  private final AtomicBoolean sampling = new AtomicBoolean(true);
  private final Thread sampler;
  private volatile int sampleMaxProcs;
  private volatile int sampleMinInService = Integer.MAX_VALUE;
  private volatile int samples;
  private volatile int mixedSamples;
  private volatile String sampleLow = "";
  private final List<String> sampleErrors = new ArrayList<>();

  /**
   * @param newVersion the version name the swarm rolls to, to tell samples taken in the middle
   *     (the pool holds both the old and the new) from the others
   */
  RolloutMonitor(E2eWorld world, SwarmId swarm, String newVersion) {
    this.world = world;
    this.swarm = swarm;
    this.newVersion = newVersion;
    procs.addAll(world.programs(swarm, s -> true));
    running.addAll(world.runningMembers(swarm));
    pool.addAll(world.poolMembers());
    eventMaxProcs = procs.size();
    eventMinInService = inService();
    log.add("start: " + procs.size() + " procs, " + inService() + " in service");
    sampler = new Thread(this::sample, "e2e-rollout-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  @Override
  public synchronized void on(DispatchEvent e) {
    if (e instanceof DispatchEvent.ProcStarting s) {
      procs.add(s.host() + "/" + s.proc());
    } else if (e instanceof DispatchEvent.ProcStarted s) {
      running.add(member(s.host(), s.proc()));
    } else if (e instanceof DispatchEvent.ProcStopped s) {
      procs.remove(s.host() + "/" + s.proc());
      running.remove(member(s.host(), s.proc()));
    } else if (e instanceof DispatchEvent.Routed r) {
      pool.add(r.member());
    } else if (e instanceof DispatchEvent.Unrouted r) {
      pool.remove(r.member());
    } else if (e instanceof DispatchEvent.WaveStarted w) {
      waves.add(w);
    } else {
      return;
    }
    events++;
    notifyAll();
    int in = inService();
    eventMaxProcs = Math.max(eventMaxProcs, procs.size());
    eventMinInService = Math.min(eventMinInService, in);
    log.add(e.describe() + " -> " + procs.size() + " procs, " + in + " in service");
  }

  private int inService() {
    return (int) pool.stream().filter(running::contains).count();
  }

  private PoolMember member(HostName host, String proc) {
    return PoolMember.of(world.fleet.host(host).address(), ProcName.parse(proc).port().orElseThrow());
  }

  /** One reading of Supervisor on every host: the swarm's procs (any state) and the members its running procs answer on. */
  private record Reading(Set<String> procs, Set<PoolMember> running) {}

  private Reading read() {
    Set<String> all = new TreeSet<>();
    Set<PoolMember> up = new TreeSet<>();
    for (ObservedProc p : world.observed()) {
      if (p.name() instanceof ProcName.Ours ours && ours.swarmId().equals(swarm)) {
        all.add(p.host() + "/" + ours.format());
        if (p.state() == ProcState.RUNNING) {
          up.add(PoolMember.of(world.fleet.host(p.host()).address(), ours.port().orElseThrow()));
        }
      }
    }
    return new Reading(all, up);
  }

  /** Takes a sample whenever the dispatcher reported something since the last one began, until closed. */
  private void sample() {
    int seen = -1;
    while (true) {
      synchronized (this) {
        while (sampling.get() && events == seen) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (!sampling.get()) {
          return;
        }
        seen = events;
      }
      try {
        Reading before = read();
        Set<PoolMember> members = new TreeSet<>(world.poolMembers());
        Reading after = read();
        int in = (int) members.stream().filter(m -> before.running().contains(m) || after.running().contains(m)).count();
        sampleMaxProcs = Math.max(sampleMaxProcs, Math.max(before.procs().size(), after.procs().size()));
        if (in < sampleMinInService) {
          sampleMinInService = in;
          sampleLow = "pool " + members + ", running before " + before.running() + ", after " + after.running();
        }
        if (before.procs().stream().anyMatch(this::isNew) && before.procs().stream().anyMatch(p -> !isNew(p))) {
          mixedSamples++;
        }
        samples++;
      } catch (RuntimeException e) {
        synchronized (sampleErrors) {
          sampleErrors.add(e.toString());
        }
      }
    }
  }

  private boolean isNew(String hostAndProc) {
    ProcName.Ours p = (ProcName.Ours) ProcName.parse(hostAndProc.substring(hostAndProc.indexOf('/') + 1));
    return p.versionName().equals(newVersion);
  }

  /** Stops sampling and waits for the last sample. */
  @Override
  public void close() {
    sampling.set(false);
    synchronized (this) {
      notifyAll();
    }
    try {
      sampler.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  synchronized int eventMaxProcs() {
    return eventMaxProcs;
  }

  synchronized int eventMinInService() {
    return eventMinInService;
  }

  /** @return how many proc and route events were counted */
  synchronized int events() {
    return events;
  }

  synchronized List<DispatchEvent.WaveStarted> waves() {
    return List.copyOf(waves);
  }

  /** @return each counted event with the counts after it, for failure messages */
  synchronized String eventLog() {
    return String.join("\n", log);
  }

  int sampleMaxProcs() {
    return sampleMaxProcs;
  }

  int sampleMinInService() {
    return sampleMinInService;
  }

  int samples() {
    return samples;
  }

  /** @return samples that saw procs of the old and of the new version together (taken mid-rollout) */
  int mixedSamples() {
    return mixedSamples;
  }

  /** @return what the sample with the fewest in service saw */
  String sampleLow() {
    return sampleLow;
  }

  List<String> sampleErrors() {
    synchronized (sampleErrors) {
      return List.copyOf(sampleErrors);
    }
  }
}
