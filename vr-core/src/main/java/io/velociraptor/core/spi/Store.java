package io.velociraptor.core.spi;

import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.HostName;
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
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Where vr keeps what must outlive a process: apps, swarms, builds, releases, port locks and
 * swarm runs. vr ships an embedded file store and an in-memory one; implement this to keep them
 * in your own database. Every list is sorted (by name, id or key) and every method is
 * thread-safe.
 *
 * <p>Two rules need atomicity across threads and processes, and an implementation must keep them
 * with a transaction or lock of its own, never check-then-act:
 *
 * <ul>
 *   <li>{@link #reserve}: all of the ports asked for are locked for the owner, or none is.
 *   <li>{@link #tryBeginRun}: at most one live (not done or failed) run per swarm.
 *   <li>{@link #resume}: a paused run is resumed by one process only.
 * </ul>
 *
 * <p><b>Staleness.</b> A live run is <em>stale</em> when its owner process is gone (same machine
 * boot, and the pid is dead or now belongs to a newer process) or when it has not changed for the
 * store's TTL; a run paused in {@code canary} is never stale (it waits for an operator, and its
 * owner has usually exited). A port lock is stale when its owner is a run that is finished or stale, or, for an
 * owner that is no run, when the lock is older than the TTL. {@link #reclaimStale()}, {@link
 * #reserve} and {@link #tryBeginRun} mark stale runs failed and release stale locks first.
 */
public interface Store extends AutoCloseable {

  /**
   * Stores an app, replacing the one of the same name.
   *
   * @param app the app
   * @throws StoreException if it cannot be stored
   */
  void putApp(App app);

  /**
   * Returns the app, if stored.
   *
   * @param name an app name
   * @return the app, if stored
   * @throws StoreException if the store cannot be read
   */
  Optional<App> app(AppName name);

  /**
   * Returns every app, sorted by name.
   *
   * @return every app, sorted by name
   * @throws StoreException if the store cannot be read
   */
  List<App> apps();

  /**
   * Returns whether there was one to delete.
   *
   * @param name an app name
   * @return whether there was one to delete
   * @throws StoreException if it cannot be deleted
   */
  boolean deleteApp(AppName name);

  /**
   * Stores a swarm, replacing the one of the same id.
   *
   * @param swarm the swarm
   * @throws StoreException if it cannot be stored
   */
  void putSwarm(Swarm swarm);

  /**
   * Returns the swarm, if stored.
   *
   * @param id a swarm id
   * @return the swarm, if stored
   * @throws StoreException if the store cannot be read
   */
  Optional<Swarm> swarm(SwarmId id);

  /**
   * Returns every swarm, sorted by id.
   *
   * @return every swarm, sorted by id
   * @throws StoreException if the store cannot be read
   */
  List<Swarm> swarms();

  /**
   * A fresh swarm id: random, and neither a stored swarm's nor one with run history. (Two
   * processes creating swarms at the same instant could draw the same id only with odds of
   * about one in 2^40.)
   *
   * @return an unused swarm id
   * @throws StoreException if the store cannot be read
   */
  default SwarmId newSwarmId() {
    java.security.SecureRandom random = new java.security.SecureRandom();
    while (true) {
      SwarmId id = SwarmId.fromBits(random.nextLong());
      if (swarm(id).isEmpty() && history(id).isEmpty()) {
        return id;
      }
    }
  }

  /**
   * Deletes a swarm; its run history stays.
   *
   * @param id a swarm id
   * @return whether there was one to delete
   * @throws StoreException if it cannot be deleted
   */
  boolean deleteSwarm(SwarmId id);

  /**
   * Stores a build, replacing the one of the same app and version (one build record per app
   * and version: a rebuild replaces it).
   *
   * @param build the build
   * @throws StoreException if it cannot be stored
   */
  void putBuild(Build build);

  /**
   * Returns the build, if stored.
   *
   * @param app the app
   * @param version the version
   * @return the build, if stored
   * @throws StoreException if the store cannot be read
   */
  Optional<Build> build(AppName app, Version version);

  /**
   * Returns its builds, sorted by version text.
   *
   * @param app the app
   * @return its builds, sorted by version text
   * @throws StoreException if the store cannot be read
   */
  List<Build> builds(AppName app);

  /**
   * Returns whether there was one to delete.
   *
   * @param app the app
   * @param version the version
   * @return whether there was one to delete
   * @throws StoreException if it cannot be deleted
   */
  boolean deleteBuild(AppName app, Version version);

  /**
   * Stores a release under its hash (storing the same release twice is harmless).
   *
   * @param release the release
   * @throws StoreException if it cannot be stored
   */
  void putRelease(Release release);

  /**
   * Returns the release, if stored.
   *
   * @param hash a release hash
   * @return the release, if stored
   * @throws StoreException if the store cannot be read
   */
  Optional<Release> release(ReleaseHash hash);

  /**
   * Returns every release, sorted by hash.
   *
   * @return every release, sorted by hash
   * @throws StoreException if the store cannot be read
   */
  List<Release> releases();

  /**
   * Returns whether there was one to delete.
   *
   * @param hash a release hash
   * @return whether there was one to delete
   * @throws StoreException if it cannot be deleted
   */
  boolean deleteRelease(ReleaseHash hash);

  /**
   * Locks ports on a host for an owner, all or none, atomically. Ports the owner already holds
   * count as reserved (so a retry is harmless). Stale locks are reclaimed first.
   *
   * @param host the host
   * @param ports the ports; may be empty
   * @param owner who holds them, usually a run id
   * @return the owner's locks on the ports asked for, sorted
   * @throws PortTakenException naming every conflicting port and holder, if any port is locked
   *     by another owner (nothing is reserved then)
   * @throws io.velociraptor.core.model.InvalidValueException if the owner is empty or has
   *     control characters
   * @throws StoreException if the store fails
   */
  SortedSet<PortLock> reserve(HostName host, Collection<Port> ports, String owner);

  /**
   * Releases every lock of an owner.
   *
   * @param owner the owner
   * @return how many locks were released
   * @throws StoreException if the store fails
   */
  int release(String owner);

  /**
   * Releases one lock, whoever holds it.
   *
   * @param host the host
   * @param port the port
   * @return whether it was locked
   * @throws StoreException if the store fails
   */
  boolean release(HostName host, Port port);

  /**
   * Returns every held lock, stale ones included, sorted by host and port.
   *
   * @return every held lock, stale ones included, sorted by host and port
   * @throws StoreException if the store cannot be read
   */
  SortedSet<PortLock> portLocks();

  /**
   * Starts a run of a swarm unless a live run holds it. A stale holder is marked failed (and its
   * locks released) first, so a crashed dispatcher never blocks the swarm for longer than it
   * takes to notice.
   *
   * @param swarm the swarm
   * @param traceId the trace id of the dispatch
   * @param owner the process that will run it
   * @return {@link BeginRun.Started} with the new run, or {@link BeginRun.Busy} with the holder
   * @throws StoreException if the store fails
   */
  BeginRun tryBeginRun(SwarmId swarm, String traceId, SwarmRun.Owner owner);

  /**
   * Moves a run to a state, recording the change in its history; {@code failed} records the
   * message as the failure reason. Finishing a run does not release its port locks: the
   * dispatcher does that (and {@link #reclaimStale()} does it for finished runs it finds).
   *
   * @param runId the run
   * @param state the new state
   * @param message why, for people
   * @return the run as stored
   * @throws StoreException if there is no such run or the store fails
   * @throws io.velociraptor.core.model.InvalidValueException if the state machine forbids it
   *     ({@link RunState#canMoveTo})
   */
  SwarmRun transition(String runId, RunState state, String message);

  /**
   * Appends a step's result to a live run.
   *
   * @param runId the run
   * @param step the result
   * @return the run as stored
   * @throws StoreException if there is no such run or the store fails
   * @throws io.velociraptor.core.model.InvalidValueException if the run is finished
   */
  SwarmRun recordStep(String runId, RunStep step);

  /**
   * Records the plan a live run executes.
   *
   * @param runId the run
   * @param planJson the plan as JSON text
   * @return the run as stored
   * @throws StoreException if there is no such run or the store fails
   * @throws io.velociraptor.core.model.InvalidValueException if the run is finished
   */
  SwarmRun recordPlan(String runId, String planJson);

  /**
   * Records what a live run dispatches: the swarm as given and, once resolved, its release.
   *
   * @param runId the run
   * @param swarm the swarm as given (the run's)
   * @param release the release it rolls out, if it has one
   * @return the run as stored
   * @throws StoreException if there is no such run or the store fails
   * @throws io.velociraptor.core.model.InvalidValueException if the run is finished or the swarm is
   *     not the run's
   */
  SwarmRun recordTarget(String runId, Swarm swarm, Optional<ReleaseHash> release);

  /**
   * Resumes a run paused in {@code canary}: atomically, the run moves to {@code next} and {@code
   * owner} becomes its owner, so of two processes promoting or reverting it at once one wins and
   * the other is refused.
   *
   * @param runId the paused run
   * @param owner the process resuming it
   * @param next the live state it resumes in (or a finished one)
   * @param message why, for the run's history
   * @return the run as stored
   * @throws StoreException if there is no such run or the store fails
   * @throws io.velociraptor.core.model.InvalidValueException if the run is not paused
   */
  SwarmRun resume(String runId, SwarmRun.Owner owner, RunState next, String message);

  /**
   * Shows a live run's owner is still at work, so the TTL rule does not reclaim it during a
   * long step.
   *
   * @param runId the run
   * @return the run as stored
   * @throws StoreException if there is no such run or the store fails
   * @throws io.velociraptor.core.model.InvalidValueException if the run is finished
   */
  SwarmRun heartbeat(String runId);

  /**
   * Returns the run, if stored.
   *
   * @param runId a run id
   * @return the run, if stored
   * @throws StoreException if the store cannot be read
   */
  Optional<SwarmRun> status(String runId);

  /**
   * Returns its runs, oldest first.
   *
   * @param swarm a swarm
   * @return its runs, oldest first
   * @throws StoreException if the store cannot be read
   */
  List<SwarmRun> history(SwarmId swarm);

  /**
   * Returns its live run, if any (it may be stale; see {@link #reclaimStale()}).
   *
   * @param swarm a swarm
   * @return its live run, if any (it may be stale; see {@link #reclaimStale()})
   * @throws StoreException if the store cannot be read
   */
  Optional<SwarmRun> activeRun(SwarmId swarm);

  /**
   * Marks every stale live run failed and releases every stale port lock.
   *
   * @return what was reclaimed
   * @throws StoreException if the store fails
   */
  Reclaimed reclaimStale();

  /** Releases the store's resources (files, connections). Idempotent. */
  @Override
  void close();
}
