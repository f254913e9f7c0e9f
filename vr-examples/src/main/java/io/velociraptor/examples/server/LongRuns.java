package io.velociraptor.examples.server;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchListener;
import io.velociraptor.core.deploy.DispatchResult;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs dispatches (and builds) on a bounded pool, so a request returns as soon as its run began.
 * The run's id is the first dispatch event emitted on the thread that runs it (a dispatch emits
 * its events on the calling thread): that identifies this request's run even while other runs of
 * the same swarm start elsewhere. A refusal (a busy swarm, bad input) fails the run-id future
 * with the dispatcher's own exception, before any run began.
 */
final class LongRuns implements DispatchListener, AutoCloseable {
  /** A submitted operation: its run's id once it began, and its result once it finished. */
  record Submitted(CompletableFuture<String> runId, CompletableFuture<DispatchResult> done) {}

  private final ThreadPoolExecutor pool;
  private final Map<Thread, CompletableFuture<String>> starting = new ConcurrentHashMap<>();

  LongRuns(int threads, int queue) {
    AtomicInteger n = new AtomicInteger();
    pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
      Thread t = new Thread(r, "vr-serve-run-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void on(DispatchEvent event) {
    CompletableFuture<String> f = starting.get(Thread.currentThread());
    if (f != null) {
      f.complete(event.runId());
    }
  }

  /**
   * Runs a dispatch on the pool.
   *
   * @param op the dispatch
   * @return its futures
   * @throws java.util.concurrent.RejectedExecutionException when the pool and its queue are full
   */
  Submitted submit(Supplier<DispatchResult> op) {
    CompletableFuture<String> runId = new CompletableFuture<>();
    CompletableFuture<DispatchResult> done = new CompletableFuture<>();
    pool.execute(() -> {
      starting.put(Thread.currentThread(), runId);
      try {
        DispatchResult r = op.get();
        runId.complete(r.run().id());
        done.complete(r);
      } catch (Throwable t) {
        runId.completeExceptionally(t);
        done.completeExceptionally(t);
      } finally {
        starting.remove(Thread.currentThread());
      }
    });
    return new Submitted(runId, done);
  }

  /**
   * Runs any task on the pool (a build).
   *
   * @param task the task
   * @throws java.util.concurrent.RejectedExecutionException when the pool and its queue are full
   */
  void execute(Runnable task) {
    pool.execute(task);
  }

  /** Stops taking work and waits (up to a minute) for what runs to finish. */
  @Override
  public void close() {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
