package io.velociraptor.examples.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts the hub's events to the configured webhooks: each hook gets the events of the types it
 * names, in order, one at a time, as the event's JSON with {@code X-Vr-Event}, {@code X-Vr-Event-Id}
 * and {@code X-Vr-Signature: sha256=HEX} (HMAC-SHA256 of the body with the hook's secret). A
 * delivery that fails (no answer, or not 2xx) is retried with exponential backoff; after the last
 * attempt the event is given up with a warning and the hook goes on with the next one. Each hook
 * has its own thread, so a slow receiver never holds up the server or another hook.
 */
public final class Webhooks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);

  /**
   * When deliveries are retried.
   *
   * @param first the pause after the first failed attempt
   * @param cap the longest pause
   * @param attempts how many attempts in all, at least 1
   * @param timeout how long one attempt may take (connect and answer)
   */
  public record Retry(Duration first, Duration cap, int attempts, Duration timeout) {
    /** 1 s doubling to 60 s, 8 attempts, 10 s per attempt. */
    public static final Retry DEFAULT = new Retry(Duration.ofSeconds(1), Duration.ofSeconds(60), 8, Duration.ofSeconds(10));

    /** @throws IllegalArgumentException if attempts is below 1 */
    public Retry {
      if (attempts < 1) {
        throw new IllegalArgumentException("webhook attempts " + attempts + " must be at least 1");
      }
    }

    /** @return the pause after failed attempt {@code attempt} (from 1) */
    Duration pause(int attempt) {
      Duration d = first;
      for (int i = 1; i < attempt && d.compareTo(cap) < 0; i++) {
        d = d.multipliedBy(2);
      }
      return d.compareTo(cap) > 0 ? cap : d;
    }
  }

  private final List<Thread> threads = new ArrayList<>();
  private final List<EventHub.Subscription> subscriptions = new ArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final HttpClient http;

  private Webhooks(Retry retry) {
    this.http = HttpClient.newBuilder().connectTimeout(retry.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /**
   * Starts posting every later event of the hub to the hooks.
   *
   * @param hooks the configured hooks
   * @param hub the events
   * @param retry when to retry
   * @return the running webhooks; close them to stop
   * @throws UncheckedIOException if a hook's secret file cannot be read
   * @throws IllegalArgumentException if a secret file is empty
   */
  public static Webhooks start(List<WebhookSettings> hooks, EventHub hub, Retry retry) {
    Webhooks w = new Webhooks(retry);
    long from = hub.lastId();
    for (WebhookSettings hook : hooks) {
      byte[] secret = secret(hook);
      EventHub.Subscription s = hub.subscribe(from, hook.events()::contains, 100_000);
      w.subscriptions.add(s);
      Thread t = new Thread(() -> w.deliverAll(hook.url(), secret, s, retry), "vr-webhook " + hook.url().getHost());
      t.setDaemon(true);
      w.threads.add(t);
    }
    w.threads.forEach(Thread::start);
    return w;
  }

  private static byte[] secret(WebhookSettings hook) {
    String text;
    try {
      text = Files.readString(hook.secretFile(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the secret file " + hook.secretFile() + " of webhook " + hook.url(), e);
    }
    text = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
        : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    if (text.isEmpty()) {
      throw new IllegalArgumentException("the secret file " + hook.secretFile() + " of webhook " + hook.url() + " is empty");
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The signature header value of a body.
   *
   * @param secret the hook's secret
   * @param body the body as sent
   * @return {@code sha256=} and the hex HMAC-SHA256
   */
  public static String signature(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private void deliverAll(URI url, byte[] secret, EventHub.Subscription s, Retry retry) {
    try {
      while (closing.getCount() > 0 && !s.ended()) {
        Optional<EventHub.Event> e = s.next(Duration.ofSeconds(1));
        if (e.isPresent()) {
          deliver(url, secret, e.get(), retry);
        }
      }
      if (s.dropped()) {
        LOG.warn("webhook {} fell too far behind; events after that were not posted", url);
      }
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    }
  }

  private void deliver(URI url, byte[] secret, EventHub.Event e, Retry retry) throws InterruptedException {
    byte[] body = e.json().getBytes(StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(url).timeout(retry.timeout())
        .header("Content-Type", "application/json")
        .header("User-Agent", "vr-serve")
        .header("X-Vr-Event", e.type())
        .header("X-Vr-Event-Id", Long.toString(e.id()))
        .header("X-Vr-Signature", signature(secret, body))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
      String failure;
      try {
        HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() / 100 == 2) {
          return;
        }
        failure = "HTTP " + r.statusCode();
      } catch (IOException io) {
        failure = io.getClass().getSimpleName() + (io.getMessage() == null ? "" : ": " + io.getMessage());
      }
      if (attempt == retry.attempts()) {
        LOG.warn("webhook {} gave up on event {} ({}) after {} attempts: {}", url, e.id(), e.type(), attempt, failure);
        return;
      }
      Duration pause = retry.pause(attempt);
      LOG.info("webhook {} event {} attempt {} failed ({}); next in {} ms", url, e.id(), attempt, failure, pause.toMillis());
      if (closing.await(pause.toNanos(), TimeUnit.NANOSECONDS)) {
        return; // the server is stopping
      }
    }
  }

  /** Stops posting; an event being posted is abandoned at its next pause. */
  @Override
  public void close() {
    closing.countDown();
    subscriptions.forEach(EventHub.Subscription::close);
    for (Thread t : threads) {
      try {
        t.join(Duration.ofSeconds(15).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
