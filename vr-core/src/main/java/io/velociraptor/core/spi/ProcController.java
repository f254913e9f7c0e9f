package io.velociraptor.core.spi;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import java.util.List;

/**
 * Installs, starts, stops, removes and observes procs on hosts: the supervisor of each host as
 * the dispatcher sees it. Implementations: the Supervisor-backed controller (vr-supervisor) and
 * an embedded in-JVM one with the same contract for machines without supervisord.
 *
 * <p>Every operation is idempotent and treats "already so" as success: installing a program that
 * is installed with the same spec, starting one that runs, stopping one that is stopped, removing
 * one that is gone. Operations on one host may run concurrently with operations on others.
 * Implementations are thread-safe.
 */
public interface ProcController {

  /**
   * Installs the program on the host, or updates it when its spec changed (the old one is
   * stopped and replaced), and has it started when {@link ProgramSpec#autoStart()} is set.
   * Returns once it is installed: an autostarted program is spawned by the supervisor right
   * after (Supervisor does it on its next tick), so callers that need it up call {@link #start},
   * which waits until it is RUNNING and succeeds at once if it already is.
   *
   * @param host the host
   * @param spec the program
   * @throws ProcControlException if the host cannot be reached, the spec cannot be represented
   *     there, or the program cannot be installed (names host and program)
   */
  void install(Host host, ProgramSpec spec);

  /**
   * Starts an installed program and waits until it is RUNNING (up for its {@code startsecs}).
   *
   * @param host the host
   * @param name the program
   * @throws ProcControlException if the program is not installed ({@link
   *     ProcControlException.Reason#NO_SUCH_PROC}), exits or cannot be spawned ({@link
   *     ProcControlException.Reason#START_FAILED}), or the host cannot be reached
   */
  void start(Host host, ProcName name);

  /**
   * Stops a program (stop signal, then SIGKILL after its {@code stopwaitsecs}) and waits until it
   * has stopped. A program that is not running is left as it is.
   *
   * @param host the host
   * @param name the program
   * @throws ProcControlException if the program is not installed, or the host cannot be reached
   */
  void stop(Host host, ProcName name);

  /**
   * Stops the program if it runs and uninstalls it. A program that is not installed is success.
   *
   * @param host the host
   * @param name the program
   * @throws ProcControlException if the host cannot be reached or removal fails
   */
  void remove(Host host, ProcName name);

  /**
   * Returns every program on the host, vr's or not, sorted by name.
   *
   * @param host the host
   * @return every program on the host, vr's or not, sorted by name
   * @throws ProcControlException if the host cannot be reached ({@link
   *     ProcControlException.Reason#UNREACHABLE}): never an empty list for a host that did not
   *     answer
   */
  List<ObservedProc> procs(Host host);

  /**
   * Returns the tail of the log (possibly empty).
   *
   * @param host the host
   * @param name the program
   * @param maxBytes at most this many bytes from the end of its stdout log
   * @return the tail of the log (possibly empty)
   * @throws ProcControlException if the program is not installed or the host cannot be reached
   * @throws IllegalArgumentException if {@code maxBytes} is not positive
   */
  String logTail(Host host, ProcName name, int maxBytes);

  /**
   * Reads a proc's stdout log on from an offset, to follow it: pass each chunk's {@link
   * LogChunk#nextOffset} to the next call. When more than {@code maxBytes} was written since the
   * offset, the chunk is the log's last {@code maxBytes} and says so ({@link LogChunk#skipped});
   * a log shorter than the offset (rotated or cleared) is a new log, read from its start.
   *
   * @param host the host
   * @param name the program
   * @param offset where the previous read ended, or -1 for the log's last {@code maxBytes}
   * @param maxBytes at most this many bytes
   * @return what was read and where to read on
   * @throws ProcControlException if the program is not installed or the host cannot be reached
   * @throws IllegalArgumentException if {@code maxBytes} is not positive or offset is below -1
   * @throws UnsupportedOperationException if this controller cannot read from an offset
   */
  default LogChunk logRead(Host host, ProcName name, long offset, int maxBytes) {
    throw new UnsupportedOperationException(getClass().getName() + " cannot read a log from an offset");
  }
}
