package io.velociraptor.examples.e2e;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client thread that requests one URL through nginx over and over, each on a new loopback
 * connection, and counts answers by body and failures by kind. Bounded in count and in time, so
 * it stops on its own if a test forgets to.
 */
final class Hammer implements AutoCloseable {
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger ok = new AtomicInteger();
  private final Map<String, Integer> bodies = new ConcurrentHashMap<>();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final Thread thread;

  private Hammer(int port, String path, int maxRequests, Duration maxTime) {
    long deadline = System.nanoTime() + maxTime.toNanos();
    thread = new Thread(() -> {
      for (int i = 0; i < maxRequests && running.get() && System.nanoTime() < deadline; i++) {
        try {
          Http.Response r = Http.get("127.0.0.1", port, path);
          if (r.status() == 200) {
            ok.incrementAndGet();
            bodies.merge(r.body(), 1, Integer::sum);
          } else {
            failures.merge("HTTP " + r.status(), 1, Integer::sum);
          }
        } catch (RuntimeException e) {
          failures.merge(e.getMessage(), 1, Integer::sum);
        }
      }
    }, "e2e-hammer");
    thread.setDaemon(true);
    thread.start();
  }

  static Hammer start(int port, String path, int maxRequests, Duration maxTime) {
    return new Hammer(port, path, maxRequests, maxTime);
  }

  int ok() {
    return ok.get();
  }

  Map<String, Integer> bodies() {
    return Map.copyOf(bodies);
  }

  Map<String, Integer> failures() {
    return Map.copyOf(failures);
  }

  /** @return whether the thread still runs (it stops at its bounds) */
  boolean isRunning() {
    return thread.isAlive();
  }

  /** Stops the client and waits for its last request. */
  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
