package io.velociraptor.supervisor.bench;

import com.sun.net.httpserver.HttpServer;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.supervisor.SupervisorClient;
import io.velociraptor.supervisor.SupervisorEndpoint;
import io.velociraptor.supervisor.SupervisorEndpoints;
import io.velociraptor.supervisor.SupervisorFleetObserver;
import io.velociraptor.supervisor.testing.SilentServer;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The fleet-snapshot benchmark of issue 4 (a documented main, not a test): 20 private supervisords
 * with 50 programs each. Per round it measures every host's own {@code getAllProcessInfo} one
 * after another (their sum is the original's sequential snapshot; their maximum is the slowest
 * host) and one concurrent {@link SupervisorFleetObserver} snapshot of all 20. Then it adds a host
 * that accepts connections but never answers, and finally repeats the comparison against 20
 * simulated remote hosts (each answers the recorded 50-program reply after a fixed delay on its
 * own, as a remote supervisord does on its own CPU). Run with {@code vr-supervisor/bench.sh}.
 */
public final class FleetSnapshotBenchmark {
  private static final int HOSTS = Integer.getInteger("bench.hosts", 20);
  private static final int PROGRAMS = Integer.getInteger("bench.programs", 50);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 30);
  private static final int REMOTE_DELAY_MS = Integer.getInteger("bench.remoteDelayMs", 40);

  private FleetSnapshotBenchmark() {}

  /**
   * @param args unused; see the system properties {@code bench.hosts}, {@code bench.programs},
   *     {@code bench.rounds}, {@code bench.remoteDelayMs}
   * @throws Exception if a supervisord does not come up
   */
  public static void main(String[] args) throws Exception {
    // the JDK's HttpServer otherwise adds Nagle + delayed-ACK stalls (~40 ms) to every reply
    System.setProperty("sun.net.httpserver.nodelay", "true");
    System.out.printf("fleet snapshot benchmark: %d hosts x %d programs, %d rounds, %d cores%n",
        HOSTS, PROGRAMS, ROUNDS, Runtime.getRuntime().availableProcessors());
    List<SupervisordFixture> fixtures = new ArrayList<>();
    try {
      for (int i = 0; i < HOSTS; i++) {
        SupervisordFixture f = SupervisordFixture.start();
        fixtures.add(f);
        StringBuilder conf = new StringBuilder();
        for (int p = 0; p < PROGRAMS; p++) {
          conf.append("[program:bench").append(i).append("-1.0-prod-abcdef12-web-").append(5000 + p)
              .append("-abcdefgh]\ncommand=/bin/sleep 100000\nstartsecs=0\nstdout_logfile=NONE\n");
        }
        f.writeInclude("bench.conf", conf.toString());
        addAll(f);
      }
      List<Host> hosts = new ArrayList<>();
      SupervisorEndpoints.Builder eb = SupervisorEndpoints.builder();
      for (int i = 0; i < HOSTS; i++) {
        HostName name = HostName.of(String.format("host-%02d", i));
        hosts.add(Host.builder().name(name).address("127.0.0.1").supervisorPort(fixtures.get(i).port()).build());
        eb.override(name, fixtures.get(i).endpoint().toBuilder().label(name.value()).build());
      }
      SupervisorEndpoints endpoints = eb.build();
      String recorded = recordReply(fixtures.get(0));
      compare("real supervisord (server CPU shared by all hosts on this machine)", hosts, endpoints, fixtures);
      silentHost(hosts, endpoints);
      simulatedRemoteHosts(recorded);
    } finally {
      for (SupervisordFixture f : fixtures) {
        f.close();
      }
    }
  }

  private static void addAll(SupervisordFixture f) {
    // the include was read at reloadConfig; add every group (they autostart)
    for (String g : f.client().reloadConfig().added()) {
      f.client().addProcessGroup(g);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (f.client().getAllProcessInfo().stream().anyMatch(p -> !p.state().isUp())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("programs did not start on " + f);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private static void compare(String title, List<Host> hosts, SupervisorEndpoints endpoints,
      List<SupervisordFixture> fixtures) {
    List<SupervisorClient> clients = new ArrayList<>();
    for (Host h : hosts) {
      clients.add(SupervisorClient.of(endpoints.forHost(h)));
    }
    try (SupervisorFleetObserver observer = SupervisorFleetObserver.builder().endpoints(endpoints)
        .concurrency(HOSTS).build()) {
      for (int w = 0; w < 5; w++) {
        clients.forEach(SupervisorClient::getAllProcessInfo);
        observer.observe(hosts);
      }
      List<Double> slowest = new ArrayList<>();
      List<Double> sums = new ArrayList<>();
      List<Double> snapshots = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < ROUNDS; r++) {
        double max = 0;
        double sum = 0;
        for (SupervisorClient c : clients) {
          long t0 = System.nanoTime();
          c.getAllProcessInfo();
          double ms = (System.nanoTime() - t0) / 1e6;
          max = Math.max(max, ms);
          sum += ms;
        }
        long t0 = System.nanoTime();
        List<HostSnapshot> snap = observer.observe(hosts);
        double snapMs = (System.nanoTime() - t0) / 1e6;
        if (snap.stream().anyMatch(s -> !s.reachable() || s.procs().size() != PROGRAMS)) {
          throw new IllegalStateException("a host was unreachable or incomplete: " + snap);
        }
        slowest.add(max);
        sums.add(sum);
        snapshots.add(snapMs);
        ratios.add(snapMs / max);
      }
      System.out.printf("%n== %s%n", title);
      row("slowest single host getAllProcessInfo", slowest);
      row("sequential: sum of the 20 (the original)", sums);
      row("concurrent snapshot of all 20 (vr)", snapshots);
      System.out.printf("  %-44s median %6.2fx   p90 %6.2fx   (target <= 1.5x)%n", "snapshot / slowest single",
          median(ratios), p90(ratios));
    } finally {
      clients.forEach(SupervisorClient::close);
    }
  }

  private static void silentHost(List<Host> hosts, SupervisorEndpoints endpoints) throws IOException {
    try (SilentServer silent = SilentServer.start()) {
      List<Host> withSilent = new ArrayList<>(hosts);
      withSilent.add(Host.builder().name(HostName.of("host-silent")).address("127.0.0.1")
          .supervisorPort(silent.port()).build());
      try (SupervisorFleetObserver observer = SupervisorFleetObserver.builder().endpoints(endpoints)
          .concurrency(HOSTS + 1).build()) {
        List<Double> times = new ArrayList<>();
        for (int r = 0; r < 5; r++) {
          long t0 = System.nanoTime();
          List<HostSnapshot> snap = observer.observe(withSilent);
          times.add((System.nanoTime() - t0) / 1e6);
          long unreachable = snap.stream().filter(s -> !s.reachable()).count();
          if (unreachable != 1) {
            throw new IllegalStateException("expected exactly the silent host unreachable: " + snap);
          }
        }
        System.out.printf("%n== 20 real hosts + 1 host that accepts but never answers (deadline %d ms)%n",
            SupervisorFleetObserver.DEFAULT_DEADLINE_MILLIS);
        row("snapshot of all 21", times);
      }
    }
  }

  private static String recordReply(SupervisordFixture f) throws Exception {
    String body = "<?xml version=\"1.0\"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName>"
        + "<params></params></methodCall>";
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.port() + "/RPC2"))
        .header("Content-Type", "text/xml")
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            (f.username() + ":" + f.password()).getBytes(StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static void simulatedRemoteHosts(String recorded) throws Exception {
    List<HttpServer> servers = new ArrayList<>();
    try {
      List<Host> hosts = new ArrayList<>();
      SupervisorEndpoints.Builder eb = SupervisorEndpoints.builder();
      byte[] reply = recorded.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < HOSTS; i++) {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        s.createContext("/RPC2", ex -> {
          ex.getRequestBody().readAllBytes();
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(REMOTE_DELAY_MS)); // the remote host's own time
          ex.getResponseHeaders().add("Content-Type", "text/xml");
          ex.sendResponseHeaders(200, reply.length);
          ex.getResponseBody().write(reply);
          ex.close();
        });
        s.start();
        servers.add(s);
        HostName name = HostName.of(String.format("remote-%02d", i));
        hosts.add(Host.builder().name(name).address("127.0.0.1").supervisorPort(s.getAddress().getPort()).build());
        eb.override(name, SupervisorEndpoint.builder("127.0.0.1", s.getAddress().getPort()).label(name.value()).build());
      }
      compare("20 simulated remote hosts (recorded 50-program reply after " + REMOTE_DELAY_MS
          + " ms on the host's own CPU)", hosts, eb.build(), List.of());
    } finally {
      servers.forEach(s -> s.stop(0));
    }
  }

  private static void row(String label, List<Double> ms) {
    System.out.printf("  %-44s median %8.1f ms   p90 %8.1f ms   min %8.1f ms%n", label, median(ms), p90(ms),
        ms.stream().mapToDouble(Double::doubleValue).min().orElse(0));
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  private static double p90(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.9) - 1));
  }
}
