package io.velociraptor.supervisor.events;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Posts each event, as the JSON line {@link JsonLinesSink} writes, to a URL (a {@code vr serve}'s
 * {@code /api/supervisor-events}) with {@code Authorization: Bearer <token>}. It never throws, so
 * the protocol always answers OK and supervisord never stalls on a server that is down: a failed
 * post is retried a bounded number of times, then written to the log (the listener's stderr) and
 * dropped; the reconciler's periodic pass repairs what the lost nudge would have. The token is
 * never written anywhere.
 */
final class EventPoster implements SupervisorEventListener {
  /** How long connecting may take. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** How long one request may take, response included. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** How many times one event is posted at most. */
  static final int ATTEMPTS = 3;
  /** The pause before the second attempt; doubled before each later one. */
  static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  /** The most characters of a refusing server's answer that the log quotes. */
  private static final int BODY_EXCERPT = 300;

  private final URI url;
  private final String token;
  private final HttpClient http;
  private final PrintStream log;
  private final JsonLinesSink json = JsonLinesSink.writingTo(java.io.OutputStream.nullOutputStream());
  private final int attempts;
  private final Duration firstBackoff;

  EventPoster(URI url, String token, Optional<SSLContext> tls, PrintStream log, int attempts, Duration firstBackoff) {
    this.url = Objects.requireNonNull(url, "url");
    this.token = Objects.requireNonNull(token, "token");
    this.log = Objects.requireNonNull(log, "log");
    this.attempts = attempts;
    this.firstBackoff = firstBackoff;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER);
    tls.ifPresent(b::sslContext);
    this.http = b.build();
  }

  /** Posts the event; logs and drops it when the server refuses it or cannot be reached. */
  @Override
  public void onEvent(SupervisorEvent event) {
    String what = describe(event);
    String body;
    try {
      body = json.format(event);
    } catch (IOException | RuntimeException e) {
      log("cannot write " + what + " as JSON, dropped: " + e);
      return;
    }
    HttpRequest request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT)
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    Duration pause = firstBackoff;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      String failure;
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
          return;
        }
        failure = "HTTP " + status + " " + excerpt(r.body());
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
          // the server refuses this request as it is (a bad token, a bad event): sending it again changes nothing
          log("POST " + url + " of " + what + " refused: " + failure + hint(status) + "; dropped");
          return;
        }
      } catch (IOException e) {
        failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log("POST " + url + " of " + what + " interrupted; dropped");
        return;
      }
      if (attempt == attempts) {
        log("POST " + url + " of " + what + " failed " + attempts + " times, last: " + scrub(failure) + "; dropped");
        return;
      }
      log("POST " + url + " of " + what + " failed (attempt " + attempt + " of " + attempts + "): " + scrub(failure)
          + "; retrying in " + pause.toMillis() + " ms");
      try {
        TimeUnit.MILLISECONDS.sleep(pause.toMillis()); // the retry's backoff
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      pause = pause.multipliedBy(2);
    }
  }

  private static String hint(int status) {
    if (status == 401) {
      return " (the token in --token-file is not one of the server's API tokens)";
    }
    if (status == 403) {
      return " (the token's role cannot post events: it needs deploy or admin)";
    }
    return "";
  }

  private static String describe(SupervisorEvent event) {
    return event instanceof SupervisorEvent.ProcessState p ? event.name() + " " + p.processName() : event.name();
  }

  private String excerpt(String body) {
    String oneLine = body == null ? "" : body.strip().replaceAll("\\s+", " ");
    return scrub(oneLine.length() > BODY_EXCERPT ? oneLine.substring(0, BODY_EXCERPT) + "..." : oneLine);
  }

  /** Never lets the token reach the log, whatever a server or an exception says. */
  private String scrub(String text) {
    return text.replace(token, "<token>");
  }

  private void log(String message) {
    synchronized (log) {
      log.println("vr-events: " + scrub(message));
      log.flush();
    }
  }

  /**
   * Reads an API token from its file: stripped of surrounding whitespace, not empty, printable
   * ASCII only. No message ever quotes it.
   *
   * @param file the token file
   * @return the token
   * @throws IllegalArgumentException naming the file and what is wrong, never the token
   */
  static String readToken(Path file) {
    String name = "--token-file " + file;
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(name + ": no such file");
    }
    try {
      try {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
        if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
          throw new IllegalArgumentException(name + ": group or others may read the token: chmod 600 " + file);
        }
      } catch (UnsupportedOperationException notPosix) {
        // no POSIX permissions to check on this file system
      }
      String token = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (token.isEmpty()) {
        throw new IllegalArgumentException(name + ": the file is empty; put the API token in it");
      }
      if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        throw new IllegalArgumentException(name + ": the token has spaces, line breaks or non-ASCII characters in it");
      }
      return token;
    } catch (IOException e) {
      throw new IllegalArgumentException(name + ": cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * Trusts the PEM certificates of a file instead of the JVM's trust store.
   *
   * @param pem a file of one or more PEM certificates
   * @return a TLS context that trusts them
   * @throws IllegalArgumentException naming the file if it holds no certificate
   */
  static SSLContext trusting(Path pem) {
    String name = "--ca-file " + pem;
    if (!Files.isRegularFile(pem)) {
      throw new IllegalArgumentException(name + ": no such file");
    }
    try {
      byte[] bytes = Files.readAllBytes(pem);
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      if (new String(bytes, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
          trust.setCertificateEntry("ca-" + i++, c);
        }
      }
      if (i == 0) {
        throw new IllegalArgumentException(name + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(name + ": is not a file of PEM certificates: " + e.getMessage(), e);
    }
  }
}
