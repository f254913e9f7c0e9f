package io.velociraptor.supervisor.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EventListenerMain}'s command line, and its {@code --post} mode against a real HTTP server
 * on loopback: each event posted with the bearer token, a refused post not retried, a failing one
 * retried a bounded number of times, and every event acknowledged OK whatever the server did.
 */
class EventListenerMainTest {
  private static final String TOKEN = "secret-token-for-event-listener-test";
  @TempDir Path tmp;
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private Path tokenFile(String content) throws Exception {
    Path f = tmp.resolve("token-" + System.nanoTime());
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  private static String parseError(String... args) {
    try {
      EventListenerMain.parse(args);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).doesNotContain(TOKEN);
      return e.getMessage();
    }
    throw new AssertionError("accepted " + List.of(args));
  }

  @Test
  void theExistingModesStillParse() {
    assertThat(EventListenerMain.parse(new String[] {"--out", "/tmp/x.jsonl"}))
        .isEqualTo(new EventListenerMain.Mode.Out(Path.of("/tmp/x.jsonl")));
    assertThat(EventListenerMain.parse(new String[] {"--stderr"})).isEqualTo(new EventListenerMain.Mode.Stderr());
  }

  @Test
  void postModeArgumentErrorsSayWhatIsWrong() throws Exception {
    Path token = tokenFile(TOKEN + "\n");
    String url = "http://127.0.0.1:7070/api/supervisor-events";
    assertThat(parseError()).isEqualTo("no mode given");
    assertThat(parseError("--post", url)).contains("--post needs --token-file FILE").contains("never given on the command line");
    assertThat(parseError("--post")).isEqualTo("--post needs a value");
    assertThat(parseError("--post", "--token-file", token.toString())).isEqualTo("--post needs a value");
    assertThat(parseError("--token-file", token.toString())).isEqualTo("--token-file goes with --post URL");
    assertThat(parseError("--post", url, "--token-file", token.toString(), "--stderr"))
        .isEqualTo("--post and --stderr are different modes: give one");
    assertThat(parseError("--out", "f", "--token-file", token.toString())).isEqualTo("--token-file goes with --post URL, not --out");
    assertThat(parseError("--post", url, "--post", url)).isEqualTo("--post is given twice");
    assertThat(parseError("--post", url, "--token", TOKEN)).isEqualTo("unknown argument \"--token\"");
    assertThat(parseError("--post", "ftp://h/x", "--token-file", token.toString()))
        .startsWith("--post \"ftp://h/x\" must be an http:// or https:// URL");
    assertThat(parseError("--post", "http:///x", "--token-file", token.toString())).contains("has no host");
    assertThat(parseError("--post", "http://u:p@h/x", "--token-file", token.toString())).contains("must not hold credentials");
    assertThat(parseError("--post", "http://h x/", "--token-file", token.toString())).contains("is not a URL");
    assertThat(parseError("--post", url, "--token-file", token.toString(), "--ca-file", token.toString()))
        .isEqualTo("--ca-file is for an https URL; --post " + url + " is plain http");
    assertThat(parseError("--post", url.replace("http:", "https:"), "--token-file", token.toString(), "--ca-file",
        token.toString())).isEqualTo("--ca-file " + token + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    assertThat(parseError("--post", url, "--token-file", tmp.resolve("missing").toString()))
        .isEqualTo("--token-file " + tmp.resolve("missing") + ": no such file");
    assertThat(parseError("--post", url, "--token-file", tokenFile("  \n").toString())).endsWith("the file is empty; put the API token in it");
    assertThat(parseError("--post", url, "--token-file", tokenFile(TOKEN + " more\n").toString()))
        .endsWith("the token has spaces, line breaks or non-ASCII characters in it");
    Path open = tokenFile(TOKEN);
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(parseError("--post", url, "--token-file", open.toString())).contains("chmod 600");

    EventListenerMain.Mode ok = EventListenerMain.parse(new String[] {"--token-file", token.toString(), "--post", url});
    assertThat(ok).isInstanceOfSatisfying(EventListenerMain.Mode.Post.class, p -> {
      assertThat(p.url()).hasToString(url);
      assertThat(p.token()).isEqualTo(TOKEN);
      assertThat(p.tls()).isEmpty();
    });
    assertThat(ok.toString()).doesNotContain(TOKEN);
  }

  @Test
  void aWrongCommandLineExitsTwoWithTheUsageAndServesNothing() throws Exception {
    ByteArrayOutputStream protocol = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = EventListenerMain.run(new String[] {"--post", "http://127.0.0.1:1/x"}, new ByteArrayInputStream(new byte[0]),
        protocol, new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(exit).isEqualTo(2);
    assertThat(protocol.size()).as("nothing on the protocol channel").isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--post needs --token-file").contains(EventListenerMain.USAGE);
  }

  private static String event(long serial, String name, String payload) {
    int len = payload.getBytes(StandardCharsets.UTF_8).length;
    return "ver:3.0 server:supervisor serial:" + serial + " pool:vr-events poolserial:" + serial + " eventname:" + name
        + " len:" + len + "\n" + payload;
  }

  /** Runs the listener in --post mode over three events; returns its stderr, after checking every event was acked OK. */
  private String postThreeEvents(String url) throws Exception {
    String in = event(1, "PROCESS_STATE_RUNNING", "processname:web groupname:web from_state:STARTING pid:12")
        + event(2, "PROCESS_STATE_EXITED", "processname:web groupname:web from_state:RUNNING expected:0 pid:12")
        + event(3, "PROCESS_STATE_FATAL", "processname:web groupname:web from_state:BACKOFF");
    ByteArrayOutputStream protocol = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = EventListenerMain.run(new String[] {"--post", url, "--token-file", tokenFile(TOKEN).toString()},
        new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8)), protocol,
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(exit).isZero();
    assertThat(protocol.toString(StandardCharsets.US_ASCII))
        .isEqualTo("READY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n");
    String log = err.toString(StandardCharsets.UTF_8);
    assertThat(log).doesNotContain(TOKEN);
    return log;
  }

  private String serve(int... statuses) throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    AtomicInteger n = new AtomicInteger();
    server.createContext("/api/supervisor-events", x -> {
      byte[] body = x.getRequestBody().readAllBytes();
      synchronized (received) {
        received.add(x.getRequestMethod() + " " + x.getRequestHeaders().getFirst("Authorization") + " "
            + x.getRequestHeaders().getFirst("Content-Type") + " " + new String(body, StandardCharsets.UTF_8));
      }
      int status = statuses[Math.min(n.getAndIncrement(), statuses.length - 1)];
      // a server that echoed the token would still not get it into the listener's log
      byte[] answer = ("{\"error\": \"status " + status + " for Bearer " + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(status, answer.length);
      x.getResponseBody().write(answer);
      x.close();
    });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/supervisor-events";
  }

  private final List<String> received = Collections.synchronizedList(new ArrayList<>());

  @Test
  void everyEventIsPostedAsItsJsonLineWithTheBearerToken() throws Exception {
    String log = postThreeEvents(serve(202));
    assertThat(received).hasSize(3);
    assertThat(received.get(0)).startsWith("POST Bearer " + TOKEN + " application/json {\"event\":\"PROCESS_STATE_RUNNING\"")
        .contains("\"process_name\":\"web\"").contains("\"pid\":12");
    assertThat(received.get(2)).contains("\"event\":\"PROCESS_STATE_FATAL\"").contains("\"state\":\"FATAL\"");
    assertThat(log).contains("vr-events: posting every event to http://127.0.0.1:").doesNotContain("refused");
  }

  @Test
  void aRefusedPostIsLoggedWithoutTheTokenNotRetriedAndStillAcknowledged() throws Exception {
    String log = postThreeEvents(serve(401));
    assertThat(received).as("one request per event: a 401 is not retried").hasSize(3);
    assertThat(log).contains("of PROCESS_STATE_RUNNING web refused: HTTP 401")
        .contains("of PROCESS_STATE_FATAL web refused: HTTP 401")
        .contains("the token in --token-file is not one of the server's API tokens").contains("Bearer <token>");
  }

  @Test
  void aFailingServerIsRetriedABoundedNumberOfTimesThenTheEventIsDroppedAndAcknowledged() throws Exception {
    // the first event: 503 then 202 (retried once); the second: 503 three times (dropped); the third: 202
    String log = postThreeEvents(serve(503, 202, 503, 503, 503, 202));
    assertThat(received).hasSize(6);
    assertThat(log).contains("of PROCESS_STATE_RUNNING web failed (attempt 1 of 3): HTTP 503")
        .contains("of PROCESS_STATE_EXITED web failed 3 times, last: HTTP 503").doesNotContain("FATAL web failed");
  }

  @Test
  void anUnreachableServerIsLoggedAndEveryEventStillAcknowledged() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String log = postThreeEvents("http://127.0.0.1:" + closed + "/api/supervisor-events");
    assertThat(log).contains("of PROCESS_STATE_FATAL web failed 3 times, last: ConnectException");
  }

  @Test
  void aTokenFileIsNeverQuotedEvenWhenItIsWrong() throws Exception {
    assertThatThrownBy(() -> EventPoster.readToken(tokenFile(TOKEN + "\u00e9")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(TOKEN);
  }
}
