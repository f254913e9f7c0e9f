package io.velociraptor.core.deploy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.spi.UptestResult;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link Reconciler} did or decided, as it happens: serialized with a {@code type}
 * discriminator, as {@link DispatchEvent} is. The runs it begins emit their own {@link
 * DispatchEvent}s through the dispatcher's listeners.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ReconcileEvent.Action.class, name = "reconcile_action"),
    @JsonSubTypes.Type(value = ReconcileEvent.Skipped.class, name = "reconcile_skipped"),
    @JsonSubTypes.Type(value = ReconcileEvent.Backoff.class, name = "reconcile_backoff"),
    @JsonSubTypes.Type(value = ReconcileEvent.PassFailed.class, name = "reconcile_error"),
    @JsonSubTypes.Type(value = ReconcileEvent.HostLost.class, name = "host_lost"),
    @JsonSubTypes.Type(value = ReconcileEvent.HostBack.class, name = "host_back"),
    @JsonSubTypes.Type(value = ReconcileEvent.UptestPassed.class, name = "uptest_passed"),
    @JsonSubTypes.Type(value = ReconcileEvent.UptestFailed.class, name = "uptest_failed"),
    @JsonSubTypes.Type(value = ReconcileEvent.Housekeeping.class, name = "housekeeping")})
public sealed interface ReconcileEvent {
  /** When it happened (the reconciler's clock). */
  Instant at();

  /** One human line describing the event. */
  String describe();

  /**
   * A run was begun to repair a swarm, and ended.
   *
   * @param at when it ended
   * @param swarm the swarm's name
   * @param swarmId the swarm's id
   * @param runId the run
   * @param reason why it was begun, as its history says ({@code reconcile: ...})
   * @param succeeded whether the run ended done
   * @param outcome the run's last message (its summary, or why it failed)
   */
  record Action(Instant at, String swarm, String swarmId, String runId, String reason, boolean succeeded,
      String outcome) implements ReconcileEvent {
    @Override
    public String describe() {
      return "swarm " + swarm + ": run " + runId + " " + (succeeded ? "done" : "failed") + " (" + reason + "): " + outcome;
    }
  }

  /**
   * A swarm that needs something, or cannot be reconciled, was left alone this pass; emitted when
   * the reason changes, not every pass.
   *
   * @param at when
   * @param swarm the swarm's name
   * @param swarmId the swarm's id
   * @param reason why
   */
  record Skipped(Instant at, String swarm, String swarmId, String reason) implements ReconcileEvent {
    @Override
    public String describe() {
      return "swarm " + swarm + " skipped: " + reason;
    }
  }

  /**
   * A reconcile run of a swarm failed: the swarm is not acted on again before {@code until}.
   *
   * @param at when
   * @param swarm the swarm's name
   * @param swarmId the swarm's id
   * @param failures failed reconcile runs in a row
   * @param until when the next one may begin
   * @param reason why the last one failed
   */
  record Backoff(Instant at, String swarm, String swarmId, int failures, Instant until, String reason)
      implements ReconcileEvent {
    @Override
    public String describe() {
      return "swarm " + swarm + " backs off until " + until + " after " + failures + " failed reconcile run(s): " + reason;
    }
  }

  /**
   * A pass could not be completed (the store or the observation failed); the next pass tries again.
   *
   * @param at when
   * @param message why
   */
  record PassFailed(Instant at, String message) implements ReconcileEvent {
    @Override
    public String describe() {
      return "reconcile pass failed: " + message;
    }
  }

  /**
   * A host stopped answering; its procs are re-placed once it has been lost for the grace period.
   *
   * @param at when it was first seen unreachable
   * @param host the host
   * @param reason why it could not be observed
   * @param procs how many of our procs it had when last seen
   */
  record HostLost(Instant at, HostName host, String reason, int procs) implements ReconcileEvent {
    @Override
    public String describe() {
      return "host " + host + " lost (" + reason + "), " + procs + " proc(s) of ours there when last seen";
    }
  }

  /**
   * A lost host answers again.
   *
   * @param at when
   * @param host the host
   * @param lostSeconds how long it was lost
   */
  record HostBack(Instant at, HostName host, long lostSeconds) implements ReconcileEvent {
    @Override
    public String describe() {
      return "host " + host + " is back after " + lostSeconds + " s";
    }
  }

  /**
   * A periodic uptest of a running, routed proc passed.
   *
   * @param at when
   * @param swarm the swarm's name
   * @param host the proc's host
   * @param proc the proc's program name
   * @param results each test's result
   */
  record UptestPassed(Instant at, String swarm, HostName host, String proc, List<UptestResult> results)
      implements ReconcileEvent {
    /**
     * Copies the results.
     *
     * @param at when
     * @param swarm the swarm's name
     * @param host the proc's host
     * @param proc the proc's program name
     * @param results each test's result
     */
    public UptestPassed {
      results = List.copyOf(results);
    }

    @Override
    public String describe() {
      return "periodic uptest of " + proc + " on " + host + " passed (" + results.size() + " test(s))";
    }
  }

  /**
   * A periodic uptest of a running, routed proc failed.
   *
   * @param at when
   * @param swarm the swarm's name
   * @param host the proc's host
   * @param proc the proc's program name
   * @param consecutiveFailures how many periodic uptests of it failed in a row, this one included
   * @param results each test's result
   */
  record UptestFailed(Instant at, String swarm, HostName host, String proc, int consecutiveFailures,
      List<UptestResult> results) implements ReconcileEvent {
    /**
     * Copies the results.
     *
     * @param at when
     * @param swarm the swarm's name
     * @param host the proc's host
     * @param proc the proc's program name
     * @param consecutiveFailures failures in a row
     * @param results each test's result
     */
    public UptestFailed {
      results = List.copyOf(results);
    }

    @Override
    public String describe() {
      return "periodic uptest of " + proc + " on " + host + " failed (" + consecutiveFailures + " in a row)";
    }
  }

  /**
   * Housekeeping ran: stale runs and port locks reclaimed, builds garbage-collected, orphaned
   * proc directories of unstored swarms removed.
   *
   * @param at when
   * @param failedRuns stale runs marked failed
   * @param releasedLocks stale port locks released
   * @param removedBuilds builds garbage-collected
   * @param orphanSwarms stored swarms with orphaned proc directories (a reconcile run sweeps each)
   * @param problems what could not be done, one line each
   * @param gc the garbage collector's report, when it ran
   */
  record Housekeeping(Instant at, int failedRuns, int releasedLocks, int removedBuilds, List<String> orphanSwarms,
      List<String> problems, Optional<GcReport> gc) implements ReconcileEvent {
    /**
     * Copies the lists.
     *
     * @param at when
     * @param failedRuns stale runs marked failed
     * @param releasedLocks stale port locks released
     * @param removedBuilds builds garbage-collected
     * @param orphanSwarms stored swarms with orphaned proc directories
     * @param problems what could not be done
     * @param gc the garbage collector's report
     */
    public Housekeeping {
      orphanSwarms = List.copyOf(orphanSwarms);
      problems = List.copyOf(problems);
    }

    @Override
    public String describe() {
      return "housekeeping: " + failedRuns + " stale run(s) failed, " + releasedLocks + " stale port lock(s) released, "
          + removedBuilds + " build(s) removed" + (orphanSwarms.isEmpty() ? "" : ", orphaned proc dirs of " + orphanSwarms)
          + (problems.isEmpty() ? "" : "; problems: " + String.join("; ", problems));
    }
  }
}
