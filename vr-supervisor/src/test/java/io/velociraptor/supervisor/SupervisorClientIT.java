package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.ProcState;
import io.velociraptor.supervisor.testing.SupervisordExtension;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SupervisorClientIT {
  @RegisterExtension static final SupervisordExtension SUPERVISORD = new SupervisordExtension();

  private static String program(SupervisordFixture f, String name, String command, String extra) {
    return "[program:" + name + "]\n"
        + "command=" + command + "\n"
        + "autostart=false\nstartsecs=0\nstopwaitsecs=5\nredirect_stderr=true\n"
        + "stdout_logfile=" + f.dir().resolve(name + ".log") + "\n" + extra;
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Test
  void reportsTheApiVersionAndThatSupervisordRuns() {
    SupervisorClient c = SUPERVISORD.fixture().client();
    assertThat(c.getAPIVersion()).isEqualTo("3.0");
    SupervisorState state = c.getState();
    assertThat(state.isRunning()).isTrue();
    assertThat(state.name()).isEqualTo("RUNNING");
  }

  @Test
  void drivesAProgramThroughItsWholeLifeWithEveryCall() {
    SupervisordFixture f = SUPERVISORD.fixture();
    SupervisorClient c = f.client();
    f.writeInclude("alpha.conf", program(f, "alpha", "/bin/sh -c 'echo hello-alpha; exec sleep 1000'", ""));

    assertThat(c.reloadConfig().added()).contains("alpha");
    assertThat(c.addProcessGroup("alpha")).isTrue();
    ProcessInfo stopped = c.getProcessInfo("alpha");
    assertThat(stopped.state()).isEqualTo(ProcState.STOPPED);
    assertThat(stopped.startedAt()).isEmpty();
    assertThat(stopped.pid()).isEmpty();

    assertThat(c.startProcess("alpha", true)).isTrue();
    ProcessInfo running = c.getProcessInfo("alpha");
    assertThat(running.state()).isEqualTo(ProcState.RUNNING);
    assertThat(running.pid()).isPresent();
    assertThat(running.startedAt()).isPresent();
    assertThat(running.stdoutLogfile()).contains(f.dir().resolve("alpha.log").toString());
    assertThat(running.namespec()).isEqualTo("alpha");
    assertThat(c.getAllProcessInfo()).extracting(ProcessInfo::name).contains("alpha");

    await("alpha's output", () -> c.readProcessStdoutLog("alpha", 0, 0).contains("hello-alpha"));
    LogTail tail = c.tailProcessStdoutLog("alpha", 0, 1000);
    assertThat(tail.text()).contains("hello-alpha");
    assertThat(tail.offset()).isEqualTo("hello-alpha\n".length());
    assertThat(tail.overflow()).isFalse();
    assertThat(c.clearProcessLogs("alpha")).isTrue();
    assertThat(c.readProcessStdoutLog("alpha", 0, 0)).isEmpty();

    assertThat(c.signalProcess("alpha", "CONT")).isTrue();
    assertThat(c.stopProcess("alpha", true)).isTrue();
    assertThat(c.getProcessInfo("alpha").state()).isEqualTo(ProcState.STOPPED);
    assertThat(c.getProcessInfo("alpha").stoppedAt()).isPresent();
    assertThat(c.removeProcessGroup("alpha")).isTrue();
    assertThatThrownBy(() -> c.getProcessInfo("alpha"))
        .isInstanceOfSatisfying(SupervisorException.class, e -> assertThat(e.is(SupervisorFault.BAD_NAME)).isTrue());
  }

  @Test
  void turnsEveryKindOfRefusalIntoATypedFaultNamingTheProcess() {
    SupervisordFixture f = SUPERVISORD.fixture();
    SupervisorClient c = f.client();
    f.writeInclude("beta.conf", program(f, "beta", "/bin/sleep 1000", ""));
    c.reloadConfig();
    c.addProcessGroup("beta");

    assertFault(() -> c.addProcessGroup("beta"), SupervisorFault.ALREADY_ADDED, "beta");
    assertFault(() -> c.stopProcess("beta", true), SupervisorFault.NOT_RUNNING, "beta");
    c.startProcess("beta", true);
    assertFault(() -> c.startProcess("beta", true), SupervisorFault.ALREADY_STARTED, "beta");
    assertFault(() -> c.removeProcessGroup("beta"), SupervisorFault.STILL_RUNNING, "beta");
    assertFault(() -> c.signalProcess("beta", "NOSUCHSIGNAL"), SupervisorFault.BAD_SIGNAL, "beta");
    assertFault(() -> c.getProcessInfo("no_such_proc"), SupervisorFault.BAD_NAME, "no_such_proc");
    c.stopProcess("beta", true);
    c.removeProcessGroup("beta");

    f.writeInclude("broken.conf", "[program:broken]\ncommand=/bin/true\nautorestart=sometimes\n");
    try {
      assertThatThrownBy(c::reloadConfig)
          .isInstanceOfSatisfying(SupervisorException.class, e -> {
            assertThat(e.fault()).contains(SupervisorFault.CANT_REREAD);
            assertThat(e.getMessage()).contains("autorestart").contains(f.endpoint().label());
          });
    } finally {
      f.includeDir().resolve("broken.conf").toFile().delete();
    }
  }

  private static void assertFault(Runnable call, SupervisorFault fault, String subject) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(SupervisorException.class, e -> {
      assertThat(e.kind()).isEqualTo(SupervisorException.Kind.FAULT);
      assertThat(e.fault()).contains(fault);
      assertThat(e.faultCode()).hasValue(fault.code());
      assertThat(e.subject()).contains(subject);
      assertThat(e.getMessage()).contains(fault.name()).contains(subject).contains("127.0.0.1");
    });
  }

  @Test
  void multicallRunsCallsInOrderAndReportsFaultsPerCall() {
    SupervisordFixture f = SUPERVISORD.fixture();
    SupervisorClient c = f.client();
    f.writeInclude("gamma.conf", program(f, "gamma", "/bin/sleep 1000", ""));
    List<Object> results = c.multicall(List.of(
        SupervisorClient.Call.of("supervisor.reloadConfig", null),
        SupervisorClient.Call.of("supervisor.addProcessGroup", "gamma", "gamma"),
        SupervisorClient.Call.of("supervisor.startProcess", "gamma", "gamma", true),
        SupervisorClient.Call.of("supervisor.startProcess", "gamma", "gamma", true),
        SupervisorClient.Call.of("supervisor.stopProcess", "gamma", "gamma", true),
        SupervisorClient.Call.of("supervisor.removeProcessGroup", "gamma", "gamma")));
    assertThat(results).hasSize(6);
    assertThat(results.get(1)).isEqualTo(true);
    assertThat(results.get(2)).isEqualTo(true);
    assertThat(results.get(3)).isInstanceOfSatisfying(SupervisorException.class,
        e -> assertThat(e.fault()).contains(SupervisorFault.ALREADY_STARTED));
    assertThat(results.get(4)).isEqualTo(true);
    assertThat(results.get(5)).isEqualTo(true);
    assertThat(c.getAllProcessInfo()).extracting(ProcessInfo::name).doesNotContain("gamma");
  }

  @Test
  void oneClientServesManyThreadsAtOnce() throws Exception {
    SupervisorClient c = SUPERVISORD.fixture().client();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<String>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 200; i++) {
        int k = i;
        results.add(pool.submit(() -> k % 2 == 0 ? c.getAPIVersion() : c.getState().name()));
      }
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i % 2 == 0 ? "3.0" : "RUNNING");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void wrongCredentialsAreAnAuthenticationErrorNamingTheHostButNotThePassword() {
    SupervisordFixture f = SUPERVISORD.fixture();
    String wrong = "not-the-password-" + f.password();
    SupervisorEndpoint bad = f.endpoint().toBuilder().credentials("vr", wrong).label("host-a").build();
    try (SupervisorClient c = SupervisorClient.of(bad)) {
      assertThatThrownBy(c::getState).isInstanceOfSatisfying(SupervisorException.class, e -> {
        assertThat(e.kind()).isEqualTo(SupervisorException.Kind.AUTHENTICATION);
        assertThat(e.host()).isEqualTo("host-a");
        assertThat(e.getMessage()).contains("host-a").contains("401").doesNotContain(wrong)
            .doesNotContain(f.password());
      });
    }
    assertThat(bad.toString()).doesNotContain(wrong);
  }

  @Test
  void aPortNobodyListensOnIsUnreachableQuickly() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (SupervisorClient c = SupervisorClient.of(SupervisorEndpoint.builder("127.0.0.1", port).build())) {
      long t0 = System.nanoTime();
      assertThatThrownBy(c::getAllProcessInfo).isInstanceOfSatisfying(SupervisorException.class, e -> {
        assertThat(e.kind()).isEqualTo(SupervisorException.Kind.UNREACHABLE);
        assertThat(e.getMessage()).contains("127.0.0.1:" + port).contains("supervisor.getAllProcessInfo");
      });
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void aSupervisordKilledWhileACallWaitsGivesAClearErrorWithoutHanging() throws Exception {
    try (SupervisordFixture f = SupervisordFixture.start()) {
      SupervisorClient c = f.client();
      f.writeInclude("stubborn.conf", program(f, "stubborn",
          "/bin/sh -c 'trap \"\" TERM; echo ready; while :; do sleep 1; done'", "stopwaitsecs=60\n"));
      c.reloadConfig();
      c.addProcessGroup("stubborn");
      c.startProcess("stubborn", true);
      await("stubborn to ignore TERM", () -> c.readProcessStdoutLog("stubborn", 0, 0).contains("ready"));
      SupervisorClient patient = c.withReadTimeout(Duration.ofSeconds(90));
      CompletableFuture<Throwable> stop = CompletableFuture.supplyAsync(() -> {
        try {
          patient.stopProcess("stubborn", true);
          return null;
        } catch (RuntimeException e) {
          return e;
        }
      });
      await("stubborn to be STOPPING", () -> c.getProcessInfo("stubborn").state() == ProcState.STOPPING);
      long t0 = System.nanoTime();
      f.kill();
      Throwable failure = stop.get(20, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      assertThat(failure).isInstanceOfSatisfying(SupervisorException.class, e -> {
        assertThat(e.kind()).isIn(SupervisorException.Kind.UNREACHABLE, SupervisorException.Kind.PROTOCOL);
        assertThat(e.getMessage()).contains("127.0.0.1:" + f.port()).contains("supervisor.stopProcess");
      });
      assertThatThrownBy(c::getState).isInstanceOfSatisfying(SupervisorException.class,
          e -> assertThat(e.kind()).isEqualTo(SupervisorException.Kind.UNREACHABLE));
    }
  }
}
