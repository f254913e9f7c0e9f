package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.ReconcileEvent;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.RunState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventsWebhooksMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
  private final List<AutoCloseable> open = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void aSubscriberGetsTheRetainedEventsAfterItsIdThenLiveOnesWithNoGapOrRepeatUnderConcurrentPublishers()
      throws Exception {
    EventHub hub = EventHub.withCapacity(100_000);
    open.add(hub);
    for (int i = 0; i < 500; i++) {
      hub.publish("t", "{\"n\":" + i + "}");
    }
    List<Thread> publishers = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      Thread t = new Thread(() -> {
        for (int i = 0; i < 2_000; i++) {
          hub.publish("t", "{}");
        }
      });
      publishers.add(t);
      t.start();
    }
    List<Long> seen = new ArrayList<>();
    try (EventHub.Subscription s = hub.subscribe(250, t -> true, 20_000)) {
      for (Thread t : publishers) {
        t.join();
      }
      long last = hub.lastId();
      while (seen.isEmpty() || seen.get(seen.size() - 1) < last) {
        seen.add(s.next(WAIT).orElseThrow().id());
      }
    }
    assertThat(seen).hasSize(500 + 8_000 - 250);
    for (int i = 0; i < seen.size(); i++) {
      assertThat(seen.get(i)).isEqualTo(251L + i);
    }
  }

  @Test
  void aSubscriberThatFallsBehindIsDroppedInsteadOfBlockingPublishers() throws Exception {
    EventHub hub = EventHub.create();
    open.add(hub);
    EventHub.Subscription slow = hub.subscribe(0, t -> true, 10);
    for (int i = 0; i < 50; i++) {
      hub.publish("t", "{}");
    }
    assertThat(hub.lastId()).isEqualTo(50);
    assertThat(slow.dropped()).isTrue();
    int read = 0;
    while (slow.next(Duration.ofMillis(1)).isPresent()) {
      read++;
    }
    assertThat(read).isLessThanOrEqualTo(10);
    assertThat(slow.ended()).isTrue();
  }

  @Test
  void dispatchAndReconcileEventsArePublishedUnderTheirJsonTypeNames() {
    EventHub hub = EventHub.create();
    open.add(hub);
    hub.dispatchListener().on(new DispatchEvent.RunDone("r1", T0, "3 started"));
    hub.publish(new ReconcileEvent.HostBack(T0, HostName.of("h2"), 75));
    List<EventHub.Event> events = hub.after(0);
    assertThat(events).extracting(EventHub.Event::type).containsExactly("run_done", "host_back");
    assertThat(events.get(0).json()).contains("\"type\":\"run_done\"").contains("\"r1\"");
    assertThat(events.get(1).json()).contains("\"type\":\"host_back\"");
  }

  @Test
  void theEventStreamResumesFromLastEventIdWithExactlyTheMissedEventsThenLiveOnes() throws Exception {
    EventHub hub = EventHub.create();
    open.add(hub);
    int port = javalin(app -> app.addHttpHandler(HandlerType.GET, "/api/events",
        EventStream.handler(hub, Duration.ofMillis(200))));
    for (int i = 1; i <= 3; i++) {
      hub.publish("run_started", "{\"n\":" + i + "}");
    }
    SseReader first = sse(port, "?after=1", Map.of());
    assertThat(first.next().id).isEqualTo("2");
    assertThat(first.next().id).isEqualTo("3");
    hub.publish("run_done", "{\"n\":4}");
    SseEvent four = first.next();
    assertThat(four.id).isEqualTo("4");
    assertThat(four.event).isEqualTo("run_done");
    assertThat(four.data).isEqualTo("{\"n\":4}");
    first.close();

    hub.publish("t", "{\"n\":5}");
    hub.publish("t", "{\"n\":6}");
    SseReader again = sse(port, "", Map.of("Last-Event-ID", "4"));
    assertThat(again.next().id).isEqualTo("5");
    assertThat(again.next().id).isEqualTo("6");
    hub.publish("t", "{\"n\":7}");
    assertThat(again.next().id).isEqualTo("7");
    again.awaitKeepalive();
    again.close();

    SseReader filtered = sse(port, "?after=0&types=run_done", Map.of());
    assertThat(filtered.next().id).isEqualTo("4");
    hub.publish("t", "{}");
    hub.publish("run_done", "{\"n\":9}");
    assertThat(filtered.next().id).isEqualTo("9");
    filtered.close();

    HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/events?after=x"))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
  }

  @Test
  void closingTheHubEndsOpenStreams() throws Exception {
    EventHub hub = EventHub.create();
    int port = javalin(app -> app.addHttpHandler(HandlerType.GET, "/api/events", EventStream.handler(hub)));
    SseReader reader = sse(port, "", Map.of());
    hub.publish("t", "{}");
    assertThat(reader.next().id).isEqualTo("1");
    hub.close();
    assertThat(reader.awaitEnd()).as("the stream ended").isTrue();
  }

  @Test
  void webhooksPostSignedEventsInOrderAndRetryUntilTheReceiverAccepts(@TempDir Path tmp) throws Exception {
    byte[] secret = "s3cret-for-tests".getBytes(StandardCharsets.UTF_8);
    Path secretFile = Files.writeString(tmp.resolve("secret"), "s3cret-for-tests\n");
    AtomicInteger attempts = new AtomicInteger();
    BlockingQueue<Map<String, String>> accepted = new LinkedBlockingQueue<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", x -> {
      byte[] body = x.getRequestBody().readAllBytes();
      int n = attempts.incrementAndGet();
      int status = n <= 2 ? 503 : 204;
      if (status == 204) {
        accepted.add(Map.of("event", x.getRequestHeaders().getFirst("X-Vr-Event"),
            "id", x.getRequestHeaders().getFirst("X-Vr-Event-Id"),
            "signature", x.getRequestHeaders().getFirst("X-Vr-Signature"),
            "expected", Webhooks.signature(secret, body),
            "own", ownHmac(secret, body),
            "body", new String(body, StandardCharsets.UTF_8)));
      }
      x.sendResponseHeaders(status, -1);
      x.close();
    });
    receiver.start();
    open.add(() -> receiver.stop(0));
    EventHub hub = EventHub.create();
    open.add(hub);
    URI url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
    Webhooks hooks = Webhooks.start(List.of(new WebhookSettings(url, Set.of("run_done", "run_failed"), secretFile)), hub,
        new Webhooks.Retry(Duration.ofMillis(10), Duration.ofMillis(40), 8, Duration.ofSeconds(10)));
    open.add(hooks);
    hub.publish("run_started", "{\"n\":1}");
    hub.publish("run_done", "{\"n\":2}");
    hub.publish("run_failed", "{\"n\":3}");
    Map<String, String> first = accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    Map<String, String> second = accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(second).isNotNull();
    assertThat(first).containsEntry("event", "run_done").containsEntry("id", "2").containsEntry("body", "{\"n\":2}");
    assertThat(second).containsEntry("event", "run_failed").containsEntry("id", "3");
    for (Map<String, String> m : List.of(first, second)) {
      assertThat(m.get("signature")).isEqualTo(m.get("own")).isEqualTo(m.get("expected")).startsWith("sha256=");
    }
    assertThat(attempts.get()).as("two refusals, then one post per event").isEqualTo(4);
  }

  @Test
  void metricsCountRunsByOutcomeTimeDispatchesAndShowProcsByStatePerHost() throws Exception {
    ServerMetrics metrics = ServerMetrics.create();
    metrics.on(new DispatchEvent.RunStarted("r1", T0, "web", "s1", "t1"));
    metrics.on(new DispatchEvent.RunDone("r1", T0.plusSeconds(4), "done"));
    metrics.on(new DispatchEvent.RunStarted("r2", T0, "web", "s1", "t2"));
    metrics.on(new DispatchEvent.RunFailed("r2", T0.plusSeconds(1), RunState.FAILED, "uptest failed"));
    metrics.on(new ReconcileEvent.HostBack(T0, HostName.of("h1"), 3));
    metrics.reconcileAction("proc");
    metrics.uptestFailed("web");
    Host h1 = Host.builder().name(HostName.of("h1")).address("127.0.0.1").build();
    Host h2 = Host.builder().name(HostName.of("h2")).address("127.0.0.2").build();
    ProcName foreign = ProcName.parse("nightly_report");
    ProcName other = ProcName.parse("cron_job");
    List<HostSnapshot> hosts = new CopyOnWriteArrayList<>(List.of(
        HostSnapshot.reachable(h1, List.of(ObservedProc.of(h1.name(), foreign, ProcState.RUNNING),
            ObservedProc.of(h1.name(), other, ProcState.FATAL))),
        HostSnapshot.unreachable(h2, "connection refused")));
    int port = javalin(app -> app.addHttpHandler(HandlerType.GET, "/metrics", metrics.handler(() -> List.copyOf(hosts))));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
    String text = r.body();
    assertThat(text).contains("vr_runs_total{outcome=\"done\"} 1.0").contains("vr_runs_total{outcome=\"failed\"} 1.0")
        .contains("vr_dispatch_seconds_count 2").contains("vr_dispatch_seconds_sum 5.0")
        .contains("vr_procs{host=\"h1\",state=\"RUNNING\"} 1.0").contains("vr_procs{host=\"h1\",state=\"FATAL\"} 1.0")
        .contains("vr_host_reachable{host=\"h1\"} 1.0").contains("vr_host_reachable{host=\"h2\"} 0.0")
        .contains("vr_reconcile_actions_total{kind=\"proc\"} 1.0").contains("vr_uptest_failures_total{swarm=\"web\"} 1.0");

    hosts.set(0, HostSnapshot.reachable(h1, List.of(ObservedProc.of(h1.name(), foreign, ProcState.RUNNING))));
    String later = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(later).contains("vr_procs{host=\"h1\",state=\"RUNNING\"} 1.0").doesNotContain("state=\"FATAL\"");
  }

  @Test
  void aReconcileActionIsCountedByTheKindItsReasonNames() {
    assertThat(ServerMetrics.actionKind("reconcile: proc web-1 FATAL on h2")).isEqualTo("proc");
    assertThat(ServerMetrics.actionKind("reconcile: host h3 lost 75 s")).isEqualTo("host");
    assertThat(ServerMetrics.actionKind("reconcile: <weird>")).isEqualTo("other");
  }

  private static String ownHmac(byte[] secret, byte[] body) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
      StringBuilder b = new StringBuilder("sha256=");
      for (byte x : mac.doFinal(body)) {
        b.append(String.format("%02x", x));
      }
      return b.toString();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private int javalin(java.util.function.Consumer<io.javalin.config.RoutesConfig> routes) {
    Javalin app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.jetty.host = "127.0.0.1";
      cfg.jetty.port = 0;
      routes.accept(cfg.routes);
      cfg.routes.exception(io.velociraptor.core.model.InvalidValueException.class,
          (e, ctx) -> ctx.status(400).result(e.getMessage()));
    }).start();
    open.add(app::stop);
    return app.port();
  }

  private SseReader sse(int port, String query, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/events" + query));
    headers.forEach(b::header);
    HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    SseReader reader = new SseReader(r.body());
    open.add(reader);
    return reader;
  }

  private record SseEvent(String id, String event, String data) {}

  /** Reads events off a stream on its own thread, so a test waits on them with a deadline. */
  private static final class SseReader implements AutoCloseable {
    final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
    final CountDownLatch keepalive = new CountDownLatch(1);
    final CountDownLatch ended = new CountDownLatch(1);
    final InputStream in;

    SseReader(InputStream in) {
      this.in = in;
      Thread t = new Thread(this::read, "sse-reader");
      t.setDaemon(true);
      t.start();
    }

    private void read() {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String id = null;
        String event = null;
        StringBuilder data = null;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (line.isEmpty()) {
            if (id != null) {
              events.add(new SseEvent(id, event, data == null ? "" : data.toString()));
            }
            id = null;
            event = null;
            data = null;
          } else if (line.startsWith("id: ")) {
            id = line.substring(4);
          } else if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ")) {
            data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
          } else if (line.equals(": keepalive")) {
            keepalive.countDown();
          }
        }
      } catch (IOException closed) {
        // the test closed the stream
      } finally {
        ended.countDown();
      }
    }

    SseEvent next() throws InterruptedException {
      SseEvent e = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(e).as("an event within " + WAIT).isNotNull();
      return e;
    }

    void awaitKeepalive() throws InterruptedException {
      assertThat(keepalive.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("a keepalive").isTrue();
    }

    boolean awaitEnd() throws InterruptedException {
      return ended.await(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
