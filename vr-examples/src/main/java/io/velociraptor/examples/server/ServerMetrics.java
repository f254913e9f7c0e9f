package io.velociraptor.examples.server;

import io.javalin.http.Handler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.DispatchListener;
import io.velociraptor.core.deploy.ReconcileEvent;
import io.velociraptor.core.deploy.ReconcileListener;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The server's metrics in Prometheus' text format, through Micrometer: runs by outcome
 * ({@code vr_runs_total{outcome}}), dispatch durations ({@code vr_dispatch_seconds}), step durations
 * from a proc's start to its uptest result and from a run's start to its plan
 * ({@code vr_step_seconds{step}}), uptests during dispatches by result, reconcile actions
 * ({@code vr_reconcile_actions_total{kind}}), periodic uptest failures
 * ({@code vr_uptest_failures_total{swarm}}), and, observed at each scrape, procs by state per host
 * ({@code vr_procs{host,state}}) and host reachability ({@code vr_host_reachable{host}}).
 */
public final class ServerMetrics implements DispatchListener, ReconcileListener {
  /** The content type of a scrape. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Instant> runStarts = new ConcurrentHashMap<>();
  private final Map<String, Instant> procStarts = new ConcurrentHashMap<>();
  private final Timer dispatches;
  private final MultiGauge procs;
  private final MultiGauge reachable;

  private ServerMetrics() {
    dispatches = Timer.builder("vr.dispatch").description("how long dispatch runs take, start to end")
        .register(registry);
    procs = MultiGauge.builder("vr.procs").description("procs by state per host, observed at the scrape")
        .register(registry);
    reachable = MultiGauge.builder("vr.host.reachable").description("1 if the host answered at the scrape, else 0")
        .register(registry);
  }

  /** @return a new set of metrics */
  public static ServerMetrics create() {
    return new ServerMetrics();
  }

  @Override
  public void on(DispatchEvent event) {
    if (event instanceof DispatchEvent.RunStarted e) {
      runStarts.put(e.runId(), e.at());
    } else if (event instanceof DispatchEvent.Planned e) {
      step("plan", runStarts.get(e.runId()), e.at());
    } else if (event instanceof DispatchEvent.ProcStarting e) {
      procStarts.put(e.runId() + " " + e.host() + " " + e.proc(), e.at());
    } else if (event instanceof DispatchEvent.UptestPassed e) {
      uptest(e.runId(), e.host() + " " + e.proc(), e.at(), "passed");
    } else if (event instanceof DispatchEvent.UptestFailed e) {
      uptest(e.runId(), e.host() + " " + e.proc(), e.at(), "failed");
    } else if (event instanceof DispatchEvent.RunDone e) {
      finish(e.runId(), e.at(), "done");
    } else if (event instanceof DispatchEvent.RunPaused e) {
      finish(e.runId(), e.at(), "paused");
    } else if (event instanceof DispatchEvent.RunFailed e) {
      finish(e.runId(), e.at(), e.state().name().toLowerCase(Locale.ROOT));
    }
  }

  @Override
  public void on(ReconcileEvent event) {
    if (event instanceof ReconcileEvent.Action a) {
      reconcileAction(actionKind(a.reason()));
    } else if (event instanceof ReconcileEvent.UptestFailed e) {
      uptestFailed(e.swarm());
    }
  }

  /**
   * Counts an action of the reconciler.
   *
   * @param kind what it did
   */
  public void reconcileAction(String kind) {
    Counter.builder("vr.reconcile.actions").description("actions the reconciler took").tag("kind", kind)
        .register(registry).increment();
  }

  /**
   * Counts a failed periodic uptest.
   *
   * @param swarm the swarm whose proc failed it
   */
  public void uptestFailed(String swarm) {
    Counter.builder("vr.uptest.failures").description("periodic uptests that failed").tag("swarm", swarm)
        .register(registry).increment();
  }

  /**
   * Sets the proc and reachability gauges from observed hosts; series of hosts and states no
   * longer seen are removed.
   *
   * @param hosts the hosts as observed now
   */
  public void recordHosts(List<HostSnapshot> hosts) {
    Map<String, Map<String, Integer>> counts = new TreeMap<>();
    List<MultiGauge.Row<?>> up = new ArrayList<>();
    for (HostSnapshot h : hosts) {
      String host = h.host().name().toString();
      up.add(MultiGauge.Row.of(Tags.of("host", host), h.reachable() ? 1 : 0));
      Map<String, Integer> byState = counts.computeIfAbsent(host, k -> new TreeMap<>());
      for (ObservedProc p : h.procs()) {
        byState.merge(p.state().name(), 1, Integer::sum);
      }
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    counts.forEach((host, byState) -> byState.forEach((state, n) ->
        rows.add(MultiGauge.Row.of(Tags.of("host", host, "state", state), n))));
    procs.register(rows, true);
    reachable.register(up, true);
  }

  /** @return every metric in Prometheus' text format */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * The handler of {@code GET /metrics}: observes the hosts, then answers the scrape.
   *
   * @param hosts observes every configured host (each with its own timeout)
   * @return the handler
   */
  public Handler handler(Supplier<List<HostSnapshot>> hosts) {
    return ctx -> {
      recordHosts(hosts.get());
      ctx.contentType(CONTENT_TYPE).result(scrape());
    };
  }

  private void uptest(String runId, String proc, Instant at, String result) {
    Counter.builder("vr.dispatch.uptests").description("uptests run by dispatches, by result").tag("result", result)
        .register(registry).increment();
    step("start_to_uptest", procStarts.remove(runId + " " + proc), at);
  }

  private void finish(String runId, Instant at, String outcome) {
    Counter.builder("vr.runs").description("finished dispatch runs by outcome").tag("outcome", outcome)
        .register(registry).increment();
    Instant start = runStarts.remove(runId);
    if (start != null) {
      dispatches.record(nonNegative(Duration.between(start, at)));
    }
    procStarts.keySet().removeIf(k -> k.startsWith(runId + " "));
  }

  private void step(String step, Instant from, Instant to) {
    if (from != null) {
      Timer.builder("vr.step").description("how long dispatch steps take").tag("step", step).register(registry)
          .record(nonNegative(Duration.between(from, to)));
    }
  }

  /** The kind of a repair from its reason: {@code reconcile: proc ...} is {@code proc}. */
  static String actionKind(String reason) {
    String rest = reason.startsWith("reconcile: ") ? reason.substring("reconcile: ".length()) : reason;
    int space = rest.indexOf(' ');
    String word = space < 0 ? rest : rest.substring(0, space);
    return word.matches("[a-z_]{1,32}") ? word : "other";
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }
}
