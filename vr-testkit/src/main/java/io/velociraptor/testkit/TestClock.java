package io.velociraptor.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock tests move by hand; thread-safe. */
public final class TestClock extends Clock {
  private final AtomicReference<Instant> now;

  private TestClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  /**
   * A clock in UTC standing at {@code start} until a test advances it.
   *
   * @param start the first instant
   * @return a clock standing at it
   */
  public static TestClock at(Instant start) {
    return new TestClock(start);
  }

  /**
   * Moves this clock forward by {@code step} (a negative step moves it back).
   *
   * @param step how far to move
   * @return the new instant
   */
  public Instant advance(Duration step) {
    return now.updateAndGet(t -> t.plus(step));
  }

  /** The instant this clock stands at: its start plus every step it was advanced by. */
  @Override
  public Instant instant() {
    return now.get();
  }

  /** Always {@link ZoneOffset#UTC}. */
  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /**
   * Always throws: a test clock stays in UTC.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a TestClock is always UTC");
  }
}
