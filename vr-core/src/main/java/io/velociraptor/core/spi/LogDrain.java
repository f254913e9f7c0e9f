package io.velociraptor.core.spi;

import java.time.Instant;

/**
 * Where a swarm's log lines go besides the hosts' own logs: a syslog server, a log service. A
 * drain never blocks the follower that feeds it for long and never throws for a receiver that is
 * down: it drops what it cannot deliver and counts it ({@link #dropped}).
 */
public interface LogDrain extends AutoCloseable {
  /**
   * One line of a proc's log.
   *
   * @param readAt when vr read it (app lines carry no clock vr can trust)
   * @param host the host's name
   * @param swarm the swarm's name ({@code app-config-proc})
   * @param proc the proc's program name
   * @param line the line, without its line break
   */
  record Record(Instant readAt, String host, String swarm, String proc, String line) {
    /** @throws NullPointerException if a component is null */
    public Record {
      java.util.Objects.requireNonNull(readAt, "readAt");
      java.util.Objects.requireNonNull(host, "host");
      java.util.Objects.requireNonNull(swarm, "swarm");
      java.util.Objects.requireNonNull(proc, "proc");
      java.util.Objects.requireNonNull(line, "line");
    }
  }

  /**
   * Hands a line to the drain; returns without waiting for the receiver.
   *
   * @param record the line
   */
  void send(Record record);

  /**
   * Counts the lines that could not be delivered.
   *
   * @return how many lines were dropped so far (the receiver down or too slow)
   */
  long dropped();

  /**
   * Says where the drain sends, for messages.
   *
   * @return where the drain sends (no credentials)
   */
  String describe();

  /** Delivers what is queued (waiting at most a few seconds) and closes the connection. */
  @Override
  void close();
}
