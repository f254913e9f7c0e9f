package io.velociraptor.examples.cli;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.SwarmRun;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
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
  private final Optional<ServerClient.EventStream> stream;
  private final Optional<Thread> reader;

  private RemoteRun(ServerClient api, Optional<ServerClient.EventStream> stream) {
    this.api = api;
    this.stream = stream;
    this.reader = stream.map(s -> {
      Thread t = new Thread(this::read, "vr-server-events");
      t.setDaemon(true);
      t.start();
      return t;
    });
    if (stream.isEmpty()) {
      queue.add(END);
    }
  }

  /**
   * Subscribes to the server's events; returns once the server answered. A server without an
   * event stream (404) is followed by asking for the run's state only.
   *
   * @param noStream told why there are no events to follow, for a warning
   * @throws ServerException if the server cannot be reached or refuses
   */
  static RemoteRun subscribe(ServerClient api, Consumer<String> noStream) {
    try {
      return new RemoteRun(api, Optional.of(api.openEvents("/api/events", Optional.empty())));
    } catch (ServerException e) {
      if (e.status() != 404) {
        throw e;
      }
      noStream.accept("the vr server at " + api.url() + " has no event stream (GET /api/events: 404):"
          + " following the run without its progress");
      return new RemoteRun(api, Optional.empty());
    }
  }

  private void read() {
    try {
      for (Optional<Map.Entry<String, String>> e = stream.get().next(); e.isPresent(); e = stream.get().next()) {
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
    stream.ifPresent(ServerClient.EventStream::close);
    try {
      // closing the stream ends its reader's read; a daemon, it cannot keep the CLI alive if it does not
      if (reader.isPresent()) {
        reader.get().join(TimeUnit.SECONDS.toMillis(10));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
