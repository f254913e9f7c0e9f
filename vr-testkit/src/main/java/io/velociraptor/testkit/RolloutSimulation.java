package io.velociraptor.testkit;

import com.fasterxml.jackson.annotation.JsonValue;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.plan.HostPorts;
import io.velociraptor.core.plan.RolloutPlan;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@link RolloutSimulator} says a dispatch of a swarm would do, wave by wave, with the faults
 * it was given: per wave the procs in service after it, its peak procs and ports, what a fault does
 * (the wave fails; the run stops or reverts), the canary pause, and an ETA. Its JSON form
 * (snake_case) is {@code VrJson.writeJson(simulation)} / {@code VrJson.readJson(text,
 * RolloutSimulation.class)}; {@link #render()} is the text for people.
 *
 * @param rollout the staged plan the dispatch runs, from the snapshot before the rollout
 * @param scenario the faults, step durations and canary decision simulated
 * @param previous the release the swarm ran before the rollout, if it had procs
 * @param waves the rollout's waves, every one of them (those after a failure are {@code not_run})
 * @param revert the revert, if the run reverted (on_failure revert, or a canary reverted)
 * @param outcome how the run ends
 * @param summary what happened, in one sentence
 * @param inService the swarm's procs in service at the end
 * @param procs the swarm's procs on reachable hosts at the end
 * @param serving the procs in service at the end, per release
 * @param etaSeconds the seconds the whole run takes (without the time a canary waits for an operator)
 * @param fleetAfter the fleet at the end (feed it to {@code vr plan --snapshot})
 */
public record RolloutSimulation(RolloutPlan rollout, RolloutSimulator.Scenario scenario, Optional<Previous> previous,
    List<SimulatedWave> waves, Optional<Revert> revert, Outcome outcome, String summary, int inService, int procs,
    List<Serving> serving, long etaSeconds, FleetSnapshot fleetAfter) {

  /** How the simulated run ends. */
  public enum Outcome {
    /** Every wave succeeded (a canary simulated as promoted). */
    SUCCEEDED,
    /** A wave failed and the run stopped there ({@code on_failure: stop}, or nothing to revert to). */
    FAILED,
    /** A wave failed and the run re-dispatched the previous release, or the canary was reverted. */
    REVERTED;

    /** The lowercase wire form. */
    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What became of one wave. */
  public enum WaveOutcome {
    /** It ran and succeeded. */
    DONE,
    /** It ran, succeeded, and the run paused after it (a canary wave). */
    PAUSED,
    /** It failed; the run stopped or reverted after it. */
    FAILED,
    /** It never ran: an earlier wave failed, or the canary was reverted. */
    NOT_RUN;

    /** The lowercase wire form. */
    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The release the swarm ran before the rollout: the release of most of its procs in service (then
   * of most procs), and the number of its procs of any release as the size to restore.
   *
   * @param releaseHash the release's hash
   * @param version the version, as program names write it
   * @param size the swarm's procs before the rollout, on any host and in any state
   */
  public record Previous(ReleaseHash releaseHash, String version, int size) {}

  /**
   * How long each step of one wave takes, in seconds: hosts work in parallel, one proc after the
   * other on a host, so a step takes its duration times the most procs it has on one host.
   *
   * @param start starting the wave's procs: step start x the most starts on one host
   * @param uptest uptesting them: step uptest x the most uptests on one host
   * @param minHealthy the policy's min_healthy_seconds, when the wave starts procs and its uptests pass
   * @param route step route x balancer calls (one per pool for its adds, one for its removes)
   * @param drain the policy's drain_seconds, when the wave removes routes and stops procs
   * @param stop stopping: step stop x the most stops on one host
   * @param teardown after a failure before routing: step stop x the wave's new procs (torn down one by one)
   */
  public record WaveTime(int start, int uptest, int minHealthy, int route, int drain, int stop, int teardown) {
    /** The wave's seconds, all steps together. */
    public long total() {
      return (long) start + uptest + minHealthy + route + drain + stop + teardown;
    }
  }

  /**
   * One wave as simulated.
   *
   * @param number its place, from 1
   * @param of how many waves its rollout has
   * @param canary whether it is the canary wave
   * @param starts procs it starts
   * @param stops procs it stops
   * @param routeAdds pool members it adds
   * @param routeRemoves pool members it removes
   * @param inService the swarm's procs in service after it (as simulated: a failed wave's, a lost host's)
   * @param procs the swarm's procs on reachable hosts after it
   * @param peakProcs the swarm's procs at its peak, as planned
   * @param peakPorts ports held at its peak per host it touches, as planned
   * @param outcome what became of it
   * @param notes what happened in it: a host lost, a fault and what it does, the pause
   * @param time how long its steps take
   * @param etaSeconds seconds from the start of the run to its end
   */
  public record SimulatedWave(int number, int of, boolean canary, int starts, int stops, int routeAdds, int routeRemoves,
      int inService, int procs, int peakProcs, List<HostPorts> peakPorts, WaveOutcome outcome, List<String> notes,
      WaveTime time, long etaSeconds) {}

  /**
   * The revert: the previous release re-dispatched with the same policy, planned from the fleet as
   * the failure (or the canary) left it.
   *
   * @param reason why it runs
   * @param rollout its staged plan
   * @param waves its waves as simulated (no fault is injected into them)
   */
  public record Revert(String reason, RolloutPlan rollout, List<SimulatedWave> waves) {}

  /**
   * Procs in service of one release.
   *
   * @param releaseHash the release's hash, as the program names write it
   * @param version the version, as the program names write it
   * @param procs how many serve
   */
  public record Serving(String releaseHash, String version, int procs) {}

  /** The exit code of {@code vr simulate}: 0 when the run succeeds, 1 when it fails or reverts. */
  public int exitCode() {
    return outcome == Outcome.SUCCEEDED ? 0 : 1;
  }

  /** The simulation for people, wave by wave, in the spirit of {@code nomad job plan}. */
  public String render() {
    return SimulationRenderer.render(this);
  }
}
