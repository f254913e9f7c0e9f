package io.velociraptor.examples.server;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JsonMapper;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.examples.cli.ErrorReport;
import io.velociraptor.examples.cli.Fleet;
import io.velociraptor.examples.cli.Secrets;
import java.io.IOException;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code vr serve}: the HTTP API of docs/api.md over a {@link Fleet}, on Javalin (Jetty 12). Every
 * route is in one table ({@link ApiRoute}) that says the role it needs; one before-filter checks
 * the token or session of every request against it, and the OpenAPI description is made from it.
 * Long operations run on a bounded pool and answer 202 as soon as their run began. Static files
 * (the dashboard) are served from the classpath directory {@value #DASHBOARD} at {@code /}.
 */
public final class VrServer implements AutoCloseable {
  /** Where the dashboard's files are on the classpath. */
  public static final String DASHBOARD = "/io/velociraptor/examples/server/dashboard";
  private static final Logger LOG = LoggerFactory.getLogger(VrServer.class);

  private final Javalin app;
  private final List<ApiRoute> routes;
  private final LongRuns runs;
  private final boolean tls;
  private final String host;

  private final EventHub events;
  private final Webhooks webhooks;
  /** With a database store: what feeds {@link #events} from the database's event log. */
  private final Optional<LogFollower> follower;

  private VrServer(Javalin app, List<ApiRoute> routes, LongRuns runs, boolean tls, String host, EventHub events,
      Webhooks webhooks, Optional<LogFollower> follower) {
    this.follower = follower;
    this.events = events;
    this.webhooks = webhooks;
    this.app = app;
    this.routes = routes;
    this.runs = runs;
    this.tls = tls;
    this.host = host;
  }

  /** @return a builder for a server */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the port it listens on */
  public int port() {
    return app.port();
  }

  /** @return its base URL ({@code http://127.0.0.1:7070} or {@code https://...}) */
  public URI url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create((tls ? "https" : "http") + "://" + h + ":" + port());
  }

  /** @return the route table: every route the API has, with its role */
  public List<ApiRoute> routes() {
    return routes;
  }

  /** @return every {@code METHOD path} the Javalin app really registered (for the OpenAPI check) */
  public Set<String> registeredRoutes() {
    Set<String> out = new TreeSet<>();
    for (var e : app.unsafe.internalRouter.allHttpHandlers()) {
      HandlerType m = e.endpoint.method;
      if (m.isHttpMethod()) {
        out.add(m.name() + " " + e.endpoint.path);
      }
    }
    return out;
  }

  /**
   * Returns the server's events: every dispatch and reconciler event, as {@code /api/events}
   * streams them; with a database store, those of every vr on the database, under their database ids.
   *
   * @return the hub
   */
  public EventHub events() {
    return events;
  }

  /**
   * Stops the webhooks and ends the event streams, stops listening, then waits for the runs it
   * started (up to a minute).
   */
  @Override
  public void close() {
    try {
      follower.ifPresent(LogFollower::close);
      webhooks.close();
      events.close(); // open event streams end, so the server stops without waiting for them
      app.stop();
    } finally {
      runs.close();
    }
  }

  /** Sets up and starts a {@link VrServer}. */
  public static final class Builder {
    private Fleet fleet;
    private ServeSettings settings = ServeSettings.defaults();
    private ReconcilerView reconciler = ReconcilerView.NONE;
    private Clock clock = Clock.systemUTC();
    private final List<ApiRoute> extraRoutes = new ArrayList<>();
    private final List<Consumer<JavalinConfig>> extensions = new ArrayList<>();
    private int threads = 4;

    private Builder() {}

    /**
     * Sets the fleet the API works on (required).
     *
     * @param fleet the fleet; the server does not close it
     * @return this builder
     */
    public Builder fleet(Fleet fleet) {
      this.fleet = fleet;
      return this;
    }

    /**
     * Sets the listen address, tokens and TLS.
     *
     * @param settings the {@code serve:} settings
     * @return this builder
     */
    public Builder settings(ServeSettings settings) {
      this.settings = settings;
      return this;
    }

    /**
     * Sets the reconciler the server shows and nudges.
     *
     * @param reconciler its view
     * @return this builder
     */
    public Builder reconciler(ReconcilerView reconciler) {
      this.reconciler = reconciler;
      return this;
    }

    /**
     * Sets the clock (session expiry, uptime).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Sets how many long operations run at once (default 4); as many more wait in a queue.
     *
     * @param threads at least 1
     * @return this builder
     */
    public Builder runThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("run threads must be at least 1, not " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Adds a route to the table (the event stream, the metrics): it is registered, checked for
     * its role and described in the OpenAPI document like the others.
     *
     * @param route the route
     * @return this builder
     */
    public Builder route(ApiRoute route) {
      extraRoutes.add(route);
      return this;
    }

    /**
     * Adds something to the Javalin config after the server's own setup (plugins, filters).
     *
     * @param extension called with the config
     * @return this builder
     */
    public Builder extension(Consumer<JavalinConfig> extension) {
      extensions.add(extension);
      return this;
    }

    /**
     * Starts the server.
     *
     * @return the started server
     * @throws IllegalStateException if no fleet was set
     * @throws io.velociraptor.core.VrException if it cannot listen or the keystore cannot be read
     */
    public VrServer start() {
      if (fleet == null) {
        throw new IllegalStateException("VrServer needs a fleet");
      }
      ServeSettings.Listen listen = settings.listen();
      if (!listen.isLoopback() && settings.tls().isEmpty()) {
        LOG.warn("vr serve listens on {} beyond this machine without TLS: tokens cross the network in clear;"
            + " configure serve.tls", listen);
      }
      if (settings.tokens().isEmpty()) {
        LOG.warn("vr serve has no API tokens (serve.tokens): only the open routes answer");
      }
      Auth auth = new Auth(settings.tokens(), clock);
      LongRuns runs = new LongRuns(threads, threads * 8);
      fleet.listen(runs);
      Api api = new Api(fleet, auth, runs, reconciler, clock, settings.tls().isPresent());
      java.util.concurrent.atomic.AtomicReference<String> openApiText = new java.util.concurrent.atomic.AtomicReference<>();
      List<ApiRoute> table = new ArrayList<>(api.routes());
      table.add(1, ApiRoute.open(HandlerType.GET, "/api/openapi.json", "this document (OpenAPI 3.1)",
          ctx -> ctx.contentType("application/json; charset=utf-8").result(openApiText.get())));
      EventHub events = EventHub.create();
      Optional<io.velociraptor.core.store.JdbcEventLog> shared = fleet.sharedStore()
          .map(io.velociraptor.core.store.JdbcStore::events);
      Optional<LogFollower> follower = Optional.empty();
      if (shared.isPresent()) {
        // a database store: events go to its log, and the hub hears every server's (and CLI's) from there
        io.velociraptor.core.store.JdbcEventLog log = shared.get();
        fleet.listen(e -> appendQuietly(log, e));
        reconciler.addListener(e -> appendQuietly(log, e));
        follower = Optional.of(LogFollower.start(log, events, EventHub.DEFAULT_CAPACITY));
      } else {
        fleet.listen(events.dispatchListener());
        reconciler.addListener(events::publish);
      }
      // after the follower's backlog: a hook gets the events from now on, not the log's past
      Webhooks hooks;
      try {
        hooks = Webhooks.start(settings.webhooks(), events, Webhooks.Retry.DEFAULT);
      } catch (RuntimeException e) {
        follower.ifPresent(LogFollower::close);
        throw e;
      }
      ServerMetrics metrics = ServerMetrics.create();
      fleet.listen(metrics);
      reconciler.addListener(metrics);
      table.add(ApiRoute.of(HandlerType.GET, "/api/events", Role.READ,
          "every dispatch and reconciler event as Server-Sent Events, resumable with Last-Event-ID",
          EventStream.handler(events)));
      table.add(ApiRoute.of(HandlerType.GET, "/metrics", Role.READ, "metrics in Prometheus' text format",
          metrics.handler(fleet::observeHosts)));
      table.addAll(extraRoutes);
      Map<String, ApiRoute> byKey = new LinkedHashMap<>();
      for (ApiRoute r : table) {
        if (byKey.put(r.key(), r) != null) {
          throw new IllegalStateException("route " + r.key() + " is registered twice");
        }
      }
      List<ApiRoute> routes = List.copyOf(table);
      openApiText.set(OpenApi.document(routes));
      Javalin app = Javalin.create(cfg -> {
        cfg.startup.showJavalinBanner = false;
        cfg.jsonMapper(new VrJsonMapper());
        cfg.http.defaultContentType = "application/json; charset=utf-8";
        if (VrServer.class.getResource(DASHBOARD) != null) {
          cfg.staticFiles.add(s -> {
            s.hostedPath = "/";
            s.directory = DASHBOARD;
            s.location = Location.CLASSPATH;
          });
        }
        if (settings.tls().isPresent()) {
          https(cfg, settings.tls().get(), listen);
        } else {
          cfg.jetty.host = listen.host();
          cfg.jetty.port = listen.port();
        }
        cfg.routes.beforeMatched(ctx -> authorize(ctx, byKey, auth));
        for (ApiRoute r : routes) {
          cfg.routes.addHttpHandler(r.method(), r.path(), r.handler());
        }
        cfg.routes.exception(Exception.class, (e, ctx) -> error(ctx, e));
        extensions.forEach(x -> x.accept(cfg));
      });
      try {
        app.start();
      } catch (RuntimeException e) {
        follower.ifPresent(LogFollower::close);
        hooks.close();
        events.close();
        runs.close();
        throw new io.velociraptor.core.VrException("vr serve cannot listen on " + listen + ": " + e.getMessage(), e);
      }
      VrServer server = new VrServer(app, routes, runs, settings.tls().isPresent(),
          listen.host().equals("0.0.0.0") || listen.host().equals("::") ? "127.0.0.1" : listen.host(), events, hooks,
          follower);
      LOG.info("vr serve listening on {}", server.url());
      return server;
    }
  }

  /**
   * Appends a dispatch or reconciler event to the database's event log; a failure (the database
   * unreachable) is logged and the work goes on: the run itself is in the store.
   */
  private static void appendQuietly(io.velociraptor.core.store.JdbcEventLog log, Object event) {
    try {
      log.append(EventHub.typeName(event.getClass()), EventHub.line(event));
    } catch (RuntimeException e) {
      LOG.warn("cannot append a {} event to the database's event log: {}", EventHub.typeName(event.getClass()),
          e.getMessage());
    }
  }

  /** HTTPS only: one TLS connector (PKCS12), no plain one. */
  private static void https(JavalinConfig cfg, ServeSettings.Tls tls, ServeSettings.Listen listen) {
    String password;
    try {
      password = Files.readString(tls.passwordFile(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
    } catch (IOException e) {
      throw new io.velociraptor.core.VrException("serve.tls.password_file " + tls.passwordFile() + " cannot be read: "
          + e.getMessage(), e);
    }
    if (!Files.isReadable(tls.keystore())) {
      throw new io.velociraptor.core.VrException("serve.tls.keystore " + tls.keystore() + " cannot be read");
    }
    cfg.jetty.addConnector((server, httpConfig) -> {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStorePath(tls.keystore().toString());
      ssl.setKeyStoreType("PKCS12");
      ssl.setKeyStorePassword(password);
      HttpConfiguration https = new HttpConfiguration(httpConfig);
      // a keystore made for "localhost" or an IP still serves on loopback: no SNI host check
      SecureRequestCustomizer src = new SecureRequestCustomizer();
      src.setSniHostCheck(false);
      https.addCustomizer(src);
      ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
          new HttpConnectionFactory(https));
      c.setHost(listen.host());
      c.setPort(listen.port());
      return c;
    });
    // Javalin adds a plain connector only when none was added; the port here is never used
    cfg.jetty.port = listen.port();
  }

  /**
   * The one check of every matched route: its role from the table; a route without one is open.
   * 401 without a valid token or session, 403 with a role too low. Nothing of the credential is
   * logged or echoed.
   */
  private static void authorize(Context ctx, Map<String, ApiRoute> byKey, Auth auth) {
    var matched = ctx.endpoints().matchedHttpEndpoint();
    ApiRoute route = matched == null ? null : byKey.get(matched.method.name() + " " + matched.path);
    if (route != null && route.role().isEmpty()) {
      return; // health, the OpenAPI document, login
    }
    if (route == null && !ctx.path().startsWith("/api/") && !ctx.path().equals("/metrics")) {
      return; // the dashboard's static files
    }
    // a route of the API not in the table (or not matched) needs the highest role: closed by default
    Role needed = route == null ? Role.ADMIN : route.role().get();
    Optional<Auth.Principal> who = Api.principal(ctx, auth);
    if (who.isEmpty()) {
      throw new ApiException(401, "a valid API token is required",
          "send Authorization: Bearer TOKEN, or log in with POST /api/login");
    }
    if (!who.get().role().covers(needed)) {
      throw new ApiException(403, "this needs the " + needed.wire() + " role; token " + who.get().name()
          + " has " + who.get().role().wire(), "use a token with the " + needed.wire() + " role");
    }
    ctx.attribute("vr.principal", who.get());
  }

  /** Every error as one JSON object: the CLI's {@code --json} error form plus the HTTP status. */
  static void error(Context ctx, Throwable thrown) {
    Throwable e = thrown;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    Map<String, Object> body;
    int status;
    if (e instanceof ApiException a) {
      status = a.status();
      body = new LinkedHashMap<>();
      body.put("error", a.getMessage());
      body.put("hint", a.hint());
    } else if (e instanceof java.util.concurrent.RejectedExecutionException) {
      status = 503;
      body = new LinkedHashMap<>();
      body.put("error", "the server runs as many operations as it can take now");
      body.put("hint", "try again when a run finished");
    } else if (e instanceof io.javalin.http.HttpResponseException h) {
      status = h.getStatus();
      body = new LinkedHashMap<>();
      body.put("error", h.getMessage());
    } else {
      ErrorReport r = ErrorReport.of(e, "");
      status = r.httpStatus();
      body = r.json();
      if (status == 500) {
        LOG.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.toString());
      }
    }
    body.put("status", status);
    ctx.status(status).contentType("application/json; charset=utf-8").result(Secrets.json(body, false));
  }

  /** Javalin's JSON through vr's Jackson setup; env values redacted on the way out. */
  static final class VrJsonMapper implements JsonMapper {
    @Override
    public String toJsonString(Object obj, Type type) {
      return Secrets.json(obj, false);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T fromJsonString(String json, Type type) {
      try {
        return (T) VrJson.json().readValue(json, VrJson.json().constructType(type));
      } catch (com.fasterxml.jackson.core.JacksonException e) {
        throw new ApiException(400, "the request body is not valid JSON: " + e.getOriginalMessage(),
            "send one JSON object");
      }
    }
  }
}
