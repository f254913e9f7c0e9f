package io.velociraptor.examples.cli;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.plan.DesiredSwarm;
import io.velociraptor.core.plan.PlanPolicy;
import io.velociraptor.core.plan.Planner;
import io.velociraptor.core.plan.RolloutPlanner;
import io.velociraptor.core.spi.ProcControlException;
import io.velociraptor.core.spi.Store;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The operations the CLI and the server both do on a fleet, in one place so both answer alike:
 * finding a swarm, host or run by name, planning a swarm file, acting on one proc.
 */
public final class Operations {
  private Operations() {}

  /**
   * Finds a stored swarm.
   *
   * @param store the store
   * @param nameOrId the swarm's name ({@code app-config-proc}) or id
   * @return the swarm
   * @throws NotFoundException if the store has none of that name or id
   */
  public static Swarm swarm(Store store, String nameOrId) {
    for (Swarm s : store.swarms()) {
      if (s.name().equals(nameOrId) || s.id().value().equals(nameOrId)) {
        return s;
      }
    }
    throw new NotFoundException("swarm", nameOrId, "is not a stored swarm (`vr swarms` lists them)");
  }

  /**
   * Finds a configured host.
   *
   * @param fleet the fleet
   * @param name the host's name
   * @return the host
   * @throws NotFoundException if no host of that name is configured
   */
  public static Host host(Fleet fleet, String name) {
    return fleet.fleetConfig().hosts().stream().filter(h -> h.name().value().equals(name)).findFirst()
        .orElseThrow(() -> new NotFoundException("host", name, "is not a configured host ("
            + fleet.fleetConfig().hosts().stream().map(h -> h.name().value()).sorted().toList() + ")"));
  }

  /**
   * Finds a stored run.
   *
   * @param store the store
   * @param id the run id
   * @return the run
   * @throws NotFoundException if the store has no run of that id (or it is no run id)
   */
  public static SwarmRun run(Store store, String id) {
    Optional<SwarmRun> r;
    try {
      r = store.status(id);
    } catch (io.velociraptor.core.VrException notARunId) {
      r = Optional.empty();
    }
    return r.orElseThrow(() -> new NotFoundException("run id", id, "is not a stored run (`vr runs` lists them)"));
  }

  /**
   * Dry run of a swarm file, as {@code vr plan} renders it: with a release hash given, planned against
   * what runs now; with an update policy, its waves; else the single diff.
   *
   * @param fleet the fleet
   * @param swarm the desired swarm
   * @param given the release hash to plan, if given (else the stored build's release, or pending)
   * @return a {@link io.velociraptor.core.plan.RolloutPlan} or a {@link io.velociraptor.core.plan.SwarmPlan}
   */
  public static Object plan(Fleet fleet, Swarm swarm, Optional<ReleaseHash> given) {
    if (given.isPresent()) {
      FleetSnapshot snap = fleet.dispatcher().observe(swarm);
      DesiredSwarm desired = DesiredSwarm.of(swarm, given.get());
      return swarm.update().isPresent() ? RolloutPlanner.plan(desired, snap, PlanPolicy.defaults())
          : Planner.plan(desired, snap);
    }
    if (swarm.update().isPresent()) {
      return fleet.dispatcher().planRollout(swarm);
    }
    return fleet.dispatcher().plan(swarm);
  }

  /** An action on one proc. */
  public enum ProcAction {
    /** start it */
    START,
    /** stop it (it stays installed) */
    STOP,
    /** stop then start it */
    RESTART;

    /** @return the action as the CLI names it */
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Starts, stops or restarts one proc, as {@code vr proc ACTION HOST PROC} does.
   *
   * @param fleet the fleet
   * @param host the host's name
   * @param proc the proc's program name
   * @param action what to do
   * @return the JSON of {@code vr proc ACTION --json}: host, proc, action, result
   * @throws NotFoundException if the host is not configured or Supervisor has no such program
   */
  public static Map<String, Object> act(Fleet fleet, String host, String proc, ProcAction action) {
    Host h = host(fleet, host);
    ProcName name = ProcName.parse(proc);
    String result;
    try {
      result = switch (action) {
        case START -> {
          fleet.procs().start(h, name);
          yield "started " + name + " on " + h.name();
        }
        case STOP -> {
          fleet.procs().stop(h, name);
          yield "stopped " + name + " on " + h.name();
        }
        case RESTART -> {
          fleet.procs().stop(h, name);
          fleet.procs().start(h, name);
          yield "restarted " + name + " on " + h.name();
        }
      };
    } catch (ProcControlException e) {
      throw noSuchProc(e, host, proc);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", host);
    m.put("proc", proc);
    m.put("action", action.wire());
    m.put("result", result);
    return m;
  }

  /**
   * The end of one proc's log, as {@code vr proc logs} prints it.
   *
   * @param fleet the fleet
   * @param host the host's name
   * @param proc the proc's program name
   * @param bytes how much of the end
   * @return the log's end
   * @throws NotFoundException if the host is not configured or Supervisor has no such program
   */
  public static String logTail(Fleet fleet, String host, String proc, int bytes) {
    Host h = host(fleet, host);
    try {
      return fleet.procs().logTail(h, ProcName.parse(proc), bytes);
    } catch (ProcControlException e) {
      throw noSuchProc(e, host, proc);
    }
  }

  /** Supervisor's BAD_NAME is the caller's mistake, not the host's failure: anything else goes on as it was. */
  static RuntimeException noSuchProc(ProcControlException e, String host, String proc) {
    if (e.reason() != ProcControlException.Reason.NO_SUCH_PROC) {
      return e;
    }
    return new NotFoundException("proc", proc, "is not a program on host " + host + " (`vr procs --host " + host
        + "` lists them)");
  }
}
