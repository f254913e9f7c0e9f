package io.velociraptor.testkit;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.spi.FleetObserver;
import io.velociraptor.core.spi.ProcControlException;
import io.velociraptor.core.spi.ProcController;
import io.velociraptor.core.spi.ProgramSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A test double for a fleet of Supervisor hosts: a {@link ProcController} and a
 * {@link FleetObserver} over the same in-memory programs. Hosts can be made unreachable and
 * starts can be made to fail, to drive the dispatcher's failure rules without real hosts.
 */
public final class InMemoryHosts implements ProcController, FleetObserver {
  private final Map<HostName, Map<String, Program>> hosts = new TreeMap<>();
  private final Set<HostName> unreachable = new HashSet<>();
  private Predicate<String> failStart = name -> false;

  /** A program as the double holds it. */
  public static final class Program {
    final ProgramSpec spec;
    ProcState state;

    Program(ProgramSpec spec, ProcState state) {
      this.spec = spec;
      this.state = state;
    }

    /** Its spec. */
    public ProgramSpec spec() {
      return spec;
    }

    /** Its state. */
    public ProcState state() {
      return state;
    }
  }

  /**
   * Adds a host that answers and has no programs yet.
   *
   * @param host the host
   */
  public synchronized void addHost(HostName host) {
    hosts.computeIfAbsent(host, h -> new TreeMap<>());
  }

  /**
   * Puts a program there directly (a foreign or legacy one, or a leftover).
   *
   * @param host the host
   * @param name the program name
   * @param state its state
   */
  public synchronized void put(HostName host, String name, ProcState state) {
    hosts.computeIfAbsent(host, h -> new TreeMap<>())
        .put(name, new Program(ProgramSpec.builder().name(name).argv("/bin/true").build(), state));
  }

  /**
   * Makes a host stop answering (observations report it unreachable, calls to it fail), or
   * answer again.
   *
   * @param host the host
   * @param down whether it is down
   */
  public synchronized void setUnreachable(HostName host, boolean down) {
    if (down) {
      unreachable.add(host);
    } else {
      unreachable.remove(host);
    }
  }

  /**
   * Whether a host was made unreachable with {@link #setUnreachable}.
   *
   * @param host a host
   * @return whether it is down
   */
  public synchronized boolean isUnreachable(HostName host) {
    return unreachable.contains(host);
  }

  /**
   * Makes the programs whose names match fail to start (FATAL), as a crashing app would.
   *
   * @param failing which program names fail to start
   */
  public synchronized void failStartsOf(Predicate<String> failing) {
    this.failStart = failing;
  }

  /**
   * The programs installed on {@code host}, none if it has none, a copy in name order.
   *
   * @param host a host
   * @return its programs by name
   */
  public synchronized Map<String, Program> programs(HostName host) {
    return new TreeMap<>(hosts.getOrDefault(host, Map.of()));
  }

  private Map<String, Program> reach(Host host, String name) {
    if (unreachable.contains(host.name()) || !hosts.containsKey(host.name())) {
      throw ProcControlException.of(ProcControlException.Reason.UNREACHABLE, host.name().value(), name,
          "host " + host.name() + " does not answer", null);
    }
    return hosts.get(host.name());
  }

  /** Installs the program on the host (running if it auto-starts, else stopped), unless the same spec
   * is already there; throws {@link ProcControlException} UNREACHABLE for an unknown or unreachable host. */
  @Override
  public synchronized void install(Host host, ProgramSpec spec) {
    Map<String, Program> programs = reach(host, spec.name());
    Program old = programs.get(spec.name());
    if (old == null || !old.spec.equals(spec)) {
      programs.put(spec.name(), new Program(spec, spec.autoStart() ? ProcState.RUNNING : ProcState.STOPPED));
    }
  }

  /** Marks the program running, or FATAL with {@link ProcControlException} START_FAILED if
   * {@link #failStartsOf} chose it; NO_SUCH_PROC if it is not installed, UNREACHABLE if the host is down. */
  @Override
  public synchronized void start(Host host, ProcName name) {
    Program p = program(host, name);
    if (failStart.test(name.format())) {
      p.state = ProcState.FATAL;
      throw ProcControlException.of(ProcControlException.Reason.START_FAILED, host.name().value(), name.format(),
          name + " exited at once (spawn error)", null);
    }
    p.state = ProcState.RUNNING;
  }

  /** Marks the program stopped; throws {@link ProcControlException} NO_SUCH_PROC or UNREACHABLE as
   * {@link #start} does. */
  @Override
  public synchronized void stop(Host host, ProcName name) {
    program(host, name).state = ProcState.STOPPED;
  }

  /** Removes the program from the host (nothing if it is not there); throws
   * {@link ProcControlException} UNREACHABLE for an unknown or unreachable host. */
  @Override
  public synchronized void remove(Host host, ProcName name) {
    reach(host, name.format()).remove(name.format());
  }

  private Program program(Host host, ProcName name) {
    Program p = reach(host, name.format()).get(name.format());
    if (p == null) {
      throw ProcControlException.of(ProcControlException.Reason.NO_SUCH_PROC, host.name().value(), name.format(),
          name + " is not installed on " + host.name(), null);
    }
    return p;
  }

  /** The host's programs and their states; throws {@link ProcControlException} UNREACHABLE for an
   * unknown or unreachable host. */
  @Override
  public synchronized List<ObservedProc> procs(Host host) {
    List<ObservedProc> out = new ArrayList<>();
    for (Map.Entry<String, Program> e : reach(host, "").entrySet()) {
      out.add(ObservedProc.of(host.name(), ProcName.parse(e.getKey()), e.getValue().state));
    }
    return out;
  }

  /** Always empty (the double keeps no logs), once the program is found on a reachable host. */
  @Override
  public synchronized String logTail(Host host, ProcName name, int maxBytes) {
    program(host, name);
    return "";
  }

  /** One snapshot per wanted host, in the order given: unreachable for an unknown or unreachable host,
   * else its procs. */
  @Override
  public synchronized List<HostSnapshot> observe(Collection<Host> wanted) {
    List<HostSnapshot> out = new ArrayList<>();
    for (Host h : wanted) {
      if (unreachable.contains(h.name()) || !hosts.containsKey(h.name())) {
        out.add(HostSnapshot.unreachable(h, "host " + h.name() + " does not answer"));
      } else {
        out.add(HostSnapshot.reachable(h, procs(h)));
      }
    }
    return out;
  }
}
