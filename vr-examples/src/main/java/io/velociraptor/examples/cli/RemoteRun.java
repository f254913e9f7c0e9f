package io.velociraptor.examples.cli;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.SwarmRun;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Following one run through a vr server: its event stream ({@code GET /api/events}) is
 * subscribed before the run starts, so none of its events is missed; each of the run's events is
 * handed on as it comes, until the run is done, failed or paused. A stream that breaks or goes
 * quiet does not hang the CLI: then the run's state is asked for ({@code GET /api/runs/{id}}).
 */
final class RemoteRun implements AutoCloseable {
  /** How long the stream may stay quiet before the run's state is asked for. */
  static final long QUIET_SECONDS = 5;

  private static final Object END = new Object();
  private final ServerClient api;
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final ServerClient.EventStream stream;
  private final Thread reader;

  private RemoteRun(ServerClient api, ServerClient.EventStream stream) {
    this.api = api;
    this.stream = stream;
    this.reader = new Thread(this::read, "vr-server-events");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Subscribes to the server's events; returns once the server answered.
   *
   * @throws ServerException if the server cannot be reached or refuses
   */
  static RemoteRun subscribe(ServerClient api) {
    return new RemoteRun(api, api.openEvents("/api/events", Optional.empty()));
  }

  private void read() {
    try {
      for (Optional<Map.Entry<String, String>> e = stream.next(); e.isPresent(); e = stream.next()) {
        queue.add(e.get());
      }
    } catch (RuntimeException broken) {
      // closed by us, or the connection broke: the run's state is asked for instead
    } finally {
      queue.add(END);
    }
  }

  /**
   * Hands each event of run {@code runId} to {@code onEvent} until the run is done, failed or paused.
   *
   * @return the summary of the plan the run executed, if it said one
   */
  Optional<String> until(String runId, Consumer<DispatchEvent> onEvent) throws InterruptedException {
    Optional<String> planned = Optional.empty();
    boolean streaming = true;
    while (true) {
      Object item = streaming ? queue.poll(QUIET_SECONDS, TimeUnit.SECONDS) : null;
      if (item == END) {
        streaming = false;
      }
      if (!(item instanceof Map.Entry<?, ?> entry)) {
        // quiet, or no stream any more: has the run ended meanwhile?
        SwarmRun r = api.get("/api/runs/" + ServerClient.seg(runId), Api.RUN);
        if (r.state().isTerminal() || r.state().isPaused()) {
          return planned;
        }
        if (!streaming) {
          waitQuietly();
        }
        continue;
      }
      DispatchEvent e;
      try {
        e = VrJson.readJson((String) entry.getValue(), DispatchEvent.class);
      } catch (RuntimeException notADispatchEvent) {
        continue; // a reconciler's event, or one of a newer server
      }
      if (!e.runId().equals(runId)) {
        continue;
      }
      onEvent.accept(e);
      if (e instanceof DispatchEvent.Planned p) {
        planned = Optional.of(p.summary());
      }
      if (e instanceof DispatchEvent.RunDone || e instanceof DispatchEvent.RunFailed
          || e instanceof DispatchEvent.RunPaused) {
        return planned;
      }
    }
  }

  /** Without a stream, the run's state is polled: once a second, bounded by the run's own end. */
  private void waitQuietly() throws InterruptedException {
    if (queue.poll(1, TimeUnit.SECONDS) != null) {
      queue.add(END);
    }
  }

  @Override
  public void close() {
    stream.close();
    try {
      // closing the stream ends its reader's read; a daemon, it cannot keep the CLI alive if it does not
      reader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
