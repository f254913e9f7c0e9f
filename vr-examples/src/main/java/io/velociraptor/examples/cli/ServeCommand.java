package io.velociraptor.examples.cli;

import io.velociraptor.examples.server.ReconcilerView;
import io.velociraptor.examples.server.ServeSettings;
import io.velociraptor.examples.server.VrServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vr serve}: the control plane. Serves the HTTP API of docs/api.md (and the dashboard) over
 * the configured fleet until SIGINT or SIGTERM, then closes the server, then the fleet.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, subcommands = ServeCommand.HashToken.class,
    description = {"Serve the HTTP API, event stream and dashboard over the configured fleet until Ctrl-C.",
        "Settings: the config's serve: section (docs/serve.md)."})
final class ServeCommand extends Commands.Base {
  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "where to listen (default: serve.listen, else " + ServeSettings.DEFAULT_LISTEN + ")")
  String listen;

  @Override
  public Integer call() throws Exception {
    VrConfig config = root().loadConfig();
    ServeSettings settings = config.serve();
    if (listen != null) {
      try {
        settings = settings.withListen(ServeSettings.Listen.parse(listen, true));
      } catch (IllegalArgumentException e) {
        throw io.velociraptor.core.model.InvalidValueException.of("--listen", listen, e.getMessage());
      }
    }
    Fleet fleet = Fleet.of(config);
    return serve(fleet, settings, out(), null);
  }

  /**
   * Serves until the JVM is asked to stop; the shutdown hook closes the server, then the fleet.
   *
   * @param fleet the fleet (closed at the end)
   * @param settings the server's settings
   * @param out where the URL is printed
   * @param firstLines printed once after the URL (the demo's token), or null
   * @return never, in practice: the JVM exits through the hook
   */
  static int serve(Fleet fleet, ServeSettings settings, java.io.PrintWriter out, String firstLines)
      throws InterruptedException {
    VrServer server;
    io.velociraptor.core.deploy.Reconciler reconciler;
    try {
      var rs = settings.reconcile();
      // with a database store, its lock lets one server's reconciler act at a time (Fleet#reconciler)
      reconciler = fleet.reconciler().interval(rs.interval())
          .hostGrace(rs.hostGrace()).uptestInterval(rs.uptestInterval()).uptestFailures(rs.uptestFailures()).build();
      server = VrServer.builder().fleet(fleet).settings(settings).reconciler(ReconcilerView.of(reconciler)).start();
      reconciler.start();
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // in order: no new requests, then no new repairs, then the fleet's connections and store
    Thread hook = new Thread(() -> {
      try {
        server.close();
      } finally {
        try {
          reconciler.close();
        } finally {
          fleet.close();
          stopped.countDown();
        }
      }
    }, "vr-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("vr serve: listening on " + server.url() + " (Ctrl-C stops it)");
    if (firstLines != null) {
      out.println(firstLines);
    }
    out.flush();
    stopped.await();
    return VrMain.OK;
  }

  /** {@code vr serve hash-token}: reads a token on stdin, prints the {@code sha256:} line for the config. */
  @Command(name = "hash-token", mixinStandardHelpOptions = true,
      description = "Read an API token on stdin and print its sha256 line for serve.tokens (the token is not printed).")
  static final class HashToken extends Commands.Base {
    @Override
    public Integer call() throws Exception {
      String token = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      if (token == null || token.strip().isEmpty()) {
        throw new io.velociraptor.core.VrException("no token on stdin: pipe one in, e.g."
            + " `openssl rand -hex 32 | tee token | vr serve hash-token`");
      }
      print("sha256: " + ServeSettings.ApiToken.hash(token));
      return VrMain.OK;
    }
  }
}
