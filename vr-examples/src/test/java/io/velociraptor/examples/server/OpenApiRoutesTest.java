package io.velociraptor.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.http.HandlerType;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.VrConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against the routes Javalin really registered, both ways, on a server over
 * a fleet whose one host is never called; a route added through the builder, as the event
 * stream and the metrics are, is registered, documented and guarded by its role like the others.
 */
class OpenApiRoutesTest {
  static final String READ = "read-token-for-openapi-test";
  static Path dir;
  static Fleet fleet;
  static VrServer server;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("vr-openapi-test-");
    // one host whose supervisord is not there: the routes are checked, no host is called
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\n"
        + "hosts:\n  - name: h1\n    address: 127.0.0.1\n    supervisor_port: 9\n    port_range: 20000-20010\n"
        + "serve:\n  listen: 127.0.0.1:0\n  tokens:\n    - name: reader\n      sha256: "
        + ServeSettings.ApiToken.hash(READ) + "\n      role: read\n");
    VrConfig config = VrConfig.load(dir.resolve("vr.yaml"));
    fleet = Fleet.of(config);
    server = VrServer.builder().fleet(fleet).settings(config.serve())
        .route(ApiRoute.of(HandlerType.GET, "/api/extra/{thing}", Role.READ, "a route added by the embedder",
            ctx -> ctx.result("extra " + ctx.pathParam("thing"))))
        // how the lead adds the event stream: an SseHandler is a Handler like any other
        .route(ApiRoute.of(HandlerType.GET, "/api/extra-events", Role.READ, "an event stream added by the embedder",
            new io.javalin.http.sse.SseHandler(client -> {
              client.sendEvent("hello", "{\"n\": 1}", "1");
              client.close();
            })))
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
      if (fleet != null) {
        fleet.close();
      }
    } finally {
      FileTrees.deleteTree(dir);
    }
  }

  static HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Set<String> documented() throws Exception {
    HttpResponse<String> r = get("/api/openapi.json", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Map<String, Object> doc = VrJson.json().readValue(r.body(),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    assertThat(doc).containsEntry("openapi", "3.1.0");
    Set<String> out = new TreeSet<>();
    ((Map<?, ?>) doc.get("paths")).forEach((path, ops) -> ((Map<?, ?>) ops).keySet()
        .forEach(m -> out.add(((String) m).toUpperCase(Locale.ROOT) + " " + path)));
    return out;
  }

  @Test
  void everyDocumentedRouteIsRegisteredAndEveryRegisteredRouteIsDocumented() throws Exception {
    Set<String> documented = documented();
    Set<String> registered = server.registeredRoutes();
    assertThat(registered).as("registered but not documented").isSubsetOf(documented);
    assertThat(documented).as("documented but not registered").isSubsetOf(registered);
    // the route table is what both are made from: a handful of docs/api.md's routes, to be sure it is not empty
    assertThat(documented).contains("GET /api/health", "POST /api/login", "PUT /api/swarms/{swarm}",
        "POST /api/procs/{host}/{proc}/stop", "GET /api/builds/{app}/{version}/log", "POST /api/supervisor-events",
        "GET /api/reconciler", "GET /api/uptests");
  }

  @Test
  void aRouteAddedThroughTheBuilderIsRegisteredDocumentedAndNeedsItsRole() throws Exception {
    assertThat(documented()).contains("GET /api/extra/{thing}");
    assertThat(server.registeredRoutes()).contains("GET /api/extra/{thing}");
    assertThat(get("/api/extra/x", null).statusCode()).isEqualTo(401);
    HttpResponse<String> r = get("/api/extra/x", READ);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("extra x");
  }

  @Test
  void anEventStreamAddedThroughTheBuilderStreamsToATokenAndNeedsItsRole() throws Exception {
    assertThat(get("/api/extra-events", null).statusCode()).isEqualTo(401);
    // as EventSource sends it: Javalin's SseHandler streams only to a client that accepts text/event-stream
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.url().resolve("/api/extra-events"))
        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + READ).header("Accept", "text/event-stream")
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    assertThat(r.body()).contains("id: 1\n").contains("event: hello\n").contains("data: {\"n\": 1}\n");
  }
}
