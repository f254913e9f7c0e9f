package io.velociraptor.examples.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.velociraptor.core.VrException;
import io.velociraptor.core.json.VrJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The CLI's client of a {@code vr serve} API (docs/api.md): every call has a connect and a
 * request timeout, carries the token as {@code Authorization: Bearer}, and turns an error
 * response into a {@link ServerException} with the server's message, hint and exit code. The
 * token is never part of a message.
 */
final class ServerClient {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** A long operation answers with 202 at once; a plan or a proc action may observe every host. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

  private final URI base;
  private final Optional<String> token;
  private final HttpClient http;

  private ServerClient(URI base, Optional<String> token, HttpClient http) {
    this.base = base;
    this.token = token;
    this.http = http;
  }

  /**
   * A client of the server at {@code url}.
   *
   * @param url the server's base URL, http or https
   * @param tokenFile the file holding the API token, if any
   * @param caFile a PEM certificate or PKCS12 trust store to trust instead of the JVM's, if any
   * @throws io.velociraptor.core.model.InvalidValueException for a bad URL
   * @throws ConfigException for a token file that is missing, empty or readable by others
   */
  static ServerClient of(String url, Optional<Path> tokenFile, Optional<Path> caFile) {
    URI uri = parseUrl(url);
    Optional<String> token = tokenFile.map(ServerClient::readToken);
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER);
    caFile.ifPresent(ca -> b.sslContext(trusting(ca)));
    return new ServerClient(uri, token, b.build());
  }

  static URI parseUrl(String url) {
    URI uri;
    try {
      uri = new URI(url.strip().replaceAll("/+$", ""));
    } catch (java.net.URISyntaxException e) {
      throw io.velociraptor.core.model.InvalidValueException.of("--server", url, "is not a URL: " + e.getReason());
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw io.velociraptor.core.model.InvalidValueException.of("--server", url,
          "is not an http:// or https:// URL with a host (e.g. http://127.0.0.1:7070)");
    }
    if (uri.getUserInfo() != null || uri.getQuery() != null) {
      throw io.velociraptor.core.model.InvalidValueException.of("--server", uri.getScheme() + "://" + uri.getHost(),
          "must have no user, password or query in it (the token goes in --token-file)");
    }
    return uri;
  }

  /** @return the token in the file, trimmed; refused if others may read the file */
  static String readToken(Path file) {
    String name = file.toString();
    try {
      if (!Files.isRegularFile(file)) {
        throw new ConfigException(name, "the file", "does not exist or is not a file (--token-file, $VR_TOKEN_FILE)");
      }
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
          throw new ConfigException(name, "its permissions", "let group or others read the token: chmod 600 " + name);
        }
      } catch (UnsupportedOperationException notPosix) {
        // no POSIX permissions to check on this file system
      }
      String token = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (token.isEmpty()) {
        throw new ConfigException(name, "the token", "is empty");
      }
      if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        // never echo it: say only what is wrong with it
        throw new ConfigException(name, "the token", "has spaces, line breaks or non-ASCII characters in it");
      }
      return token;
    } catch (IOException e) {
      throw new ConfigException(name, "the file", "cannot be read: " + e.getMessage());
    }
  }

  private static SSLContext trusting(Path ca) {
    try {
      KeyStore trust;
      byte[] bytes = Files.readAllBytes(ca);
      String text = new String(bytes, StandardCharsets.US_ASCII);
      if (text.contains("-----BEGIN CERTIFICATE-----")) {
        trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509")
            .generateCertificates(new java.io.ByteArrayInputStream(bytes))) {
          trust.setCertificateEntry("ca-" + i++, c);
        }
        if (i == 0) {
          throw new ConfigException(ca.toString(), "the file", "holds no PEM certificate");
        }
      } else {
        trust = KeyStore.getInstance("PKCS12");
        trust.load(new java.io.ByteArrayInputStream(bytes), new char[0]);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(ca.toString(), "the file", "is neither PEM certificates nor a PKCS12 trust store"
          + " without a password (--server-ca): " + e.getMessage());
    }
  }

  /** @return the server's base URL, as the messages name it */
  String url() {
    return base.toString();
  }

  /** @return {@code s} as one path segment */
  static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** @return the JSON body of {@code GET path} as a {@code type} */
  <T> T get(String path, TypeReference<T> type) {
    return read(send(request(path).GET()), type);
  }

  /** @return the text body of {@code GET path} */
  String getText(String path) {
    return send(request(path).GET());
  }

  /** @return the JSON response to {@code method path} with a JSON body (null: none) as a {@code type} */
  <T> T call(String method, String path, Object jsonBody, TypeReference<T> type) {
    HttpRequest.Builder r = request(path);
    if (jsonBody == null) {
      r.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      r.header("Content-Type", "application/json; charset=utf-8")
          .method(method, HttpRequest.BodyPublishers.ofString(VrMain.jsonLine(jsonBody), StandardCharsets.UTF_8));
    }
    return read(send(r), type);
  }

  /** @return the JSON response to {@code method path} with a YAML body (a swarm file as it is) */
  <T> T callYaml(String method, String path, String yaml, TypeReference<T> type) {
    return read(send(request(path).header("Content-Type", "application/yaml; charset=utf-8")
        .method(method, HttpRequest.BodyPublishers.ofString(yaml, StandardCharsets.UTF_8))), type);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
        .header("Accept", "application/json");
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    return b;
  }

  private String send(HttpRequest.Builder request) {
    HttpRequest r = request.build();
    HttpResponse<String> response;
    try {
      response = http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VrException("interrupted while waiting for the vr server at " + url());
    }
    if (response.statusCode() / 100 != 2) {
      throw error(response.statusCode(), response.body());
    }
    return response.body();
  }

  /**
   * Streams the text of {@code GET path} line by line as it comes (a build's log while it runs),
   * until the server ends it.
   */
  void streamLines(String path, java.util.function.Consumer<String> onLine) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/plain");
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    InputStream in = open(b);
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        onLine.accept(line);
      }
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /** @return the body of a streamed response, once its headers came (within the timeouts), else the error */
  private InputStream open(HttpRequest.Builder b) {
    HttpResponse<InputStream> response;
    try {
      response = http.sendAsync(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream())
          .get(CONNECT_TIMEOUT.toSeconds() + REQUEST_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof IOException io ? unreachable(io) : new VrException("cannot read from the"
          + " vr server at " + url() + ": " + e.getCause(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw unreachable(new HttpTimeoutException("no answer"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VrException("interrupted while waiting for the vr server at " + url());
    }
    InputStream in = response.body();
    if (response.statusCode() / 100 != 2) {
      String body = "";
      try (in) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        // the status speaks
      }
      throw error(response.statusCode(), body);
    }
    return in;
  }

  /**
   * Opens {@code GET path} as Server-Sent Events; returns once the server answered (the
   * subscription is live).
   *
   * @param lastEventId the id of the last event seen, to resume after it
   * @throws ServerException if the server cannot be reached or refuses
   */
  EventStream openEvents(String path, Optional<String> lastEventId) {
    // no request timeout: a stream lasts as long as it is followed (the server sends a keepalive every 15 s)
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/event-stream");
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    lastEventId.ifPresent(id -> b.header("Last-Event-ID", id));
    InputStream in = open(b);
    return new EventStream(in);
  }

  /** An open event stream: its events one by one, until it ends or is closed. */
  final class EventStream implements AutoCloseable {
    private final InputStream in;
    private final BufferedReader lines;
    private volatile boolean closed;

    private EventStream(InputStream in) {
      this.in = in;
      this.lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /**
     * @return the next event as its id and its data; empty once the stream ended or was closed
     * @throws ServerException if the connection broke
     */
    Optional<Map.Entry<String, String>> next() {
      String id = "";
      StringBuilder data = new StringBuilder();
      try {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.isEmpty()) {
            if (data.length() > 0) {
              return Optional.of(Map.entry(id, data.toString()));
            }
            id = "";
          } else if (line.startsWith("data:")) {
            if (data.length() > 0) {
              data.append('\n');
            }
            data.append(field(line, 5));
          } else if (line.startsWith("id:")) {
            id = field(line, 3);
          }
          // "event:" repeats the data's type; ":" lines are keepalives
        }
        return Optional.empty();
      } catch (IOException e) {
        if (closed) {
          return Optional.empty();
        }
        throw unreachable(e);
      }
    }

    @Override
    public void close() {
      closed = true;
      try {
        in.close();
      } catch (IOException e) {
        // closing is all that is wanted
      }
    }
  }

  private static String field(String line, int from) {
    String v = line.substring(from);
    return v.startsWith(" ") ? v.substring(1) : v;
  }

  /** @return the failure to reach the server, naming it (never the token) */
  VrException unreachable(IOException e) {
    String why = e instanceof HttpConnectTimeoutException ? "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s"
        : e instanceof HttpTimeoutException ? "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s"
        : e instanceof ConnectException ? "connection refused"
        : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (ErrorReport.cause(e, javax.net.ssl.SSLException.class).isPresent()) {
      return new ServerException("cannot reach the vr server at " + url() + ": TLS failed: " + why,
          "if the server's certificate is its own, trust it with --server-ca FILE (PEM or PKCS12)", VrMain.ERROR, 0);
    }
    return new ServerException("cannot reach the vr server at " + url() + ": " + why,
        "check that `vr serve` runs there and --server (or $VR_SERVER) names it", VrMain.ERROR, 0);
  }

  /** An error response as the server's message, hint and exit code (a body that is no error object: its status). */
  ServerException error(int status, String body) {
    Map<String, Object> m = Map.of();
    try {
      m = VrJson.json().readValue(body, new TypeReference<Map<String, Object>>() {});
    } catch (IOException | RuntimeException notJson) {
      // a proxy's page, say: the status speaks
    }
    String message = m.get("error") instanceof String s ? s : "the vr server at " + url() + " answered HTTP " + status;
    int code = m.get("exit_code") instanceof Number n ? n.intValue()
        : status == 400 || status == 404 ? VrMain.INVALID : VrMain.ERROR;
    // a 401's hint is the CLI's own: the token comes from a file here, not a header or a login
    String hint = status == 401 ? "pass the file with a valid API token in --token-file (or $VR_TOKEN_FILE)"
        : m.get("hint") instanceof String h && !h.isBlank() ? h
        : status == 403 ? "ask for a token with the role named above"
        : "rerun with --debug, and see the server's log";
    Optional<String> run = m.get("run") instanceof String r && !r.isBlank() ? Optional.of(r) : Optional.empty();
    return new ServerException(message, hint, code, status, run);
  }

  static <T> T read(String body, TypeReference<T> type) {
    if (type == null) {
      return null;
    }
    try {
      return VrJson.json().readValue(body, type);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new VrException("the vr server's answer is not what this vr reads (" + e.getOriginalMessage()
          + "); is it the same version?", e);
    }
  }
}
