package io.velociraptor.core.remote;

import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.testing.SshdFixture;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one short command ({@code true}) to localhost: over the runner's reused SSH session,
 * versus a new OpenSSH {@code ssh} process per command (what the original's Fabric did: a new
 * connection for every task), versus a new JSch session per command, with a local
 * {@link ProcessBuilder} spawn as the floor. Sample-time mode, so JMH reports the median
 * (p0.50) per command. Run with {@code vr-core/src/jmh/run.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class CommandRunnerBenchmark {
  private static final Command TRUE = Command.of("true");

  private SshdFixture sshd;
  private JschCommandRunner reused;
  private LocalCommandRunner local;
  private List<String> sshArgv;

  @Setup(Level.Trial)
  public void start() {
    sshd = SshdFixture.start();
    reused = runner();
    reused.runChecked(TRUE);
    local = LocalCommandRunner.create();
    sshArgv = List.of("ssh", "-q", "-T", "-p", Integer.toString(sshd.port()),
        "-i", sshd.clientKey().toString(),
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", "UserKnownHostsFile=" + sshd.knownHosts(),
        "-o", "StrictHostKeyChecking=yes",
        "-o", "ControlMaster=no",
        sshd.user() + "@" + sshd.host(), "true");
  }

  private JschCommandRunner runner() {
    return JschCommandRunner.builder().host(sshd.host()).port(sshd.port()).user(sshd.user())
        .privateKey(sshd.clientKey()).knownHosts(sshd.knownHosts()).build();
  }

  @TearDown(Level.Trial)
  public void stop() {
    reused.close();
    local.close();
    sshd.close();
  }

  /** The runner as backends use it: one session, a channel per command. */
  @Benchmark
  public CommandResult jschReusedSession() {
    return reused.runChecked(TRUE);
  }

  /**
   * The issue's figure taken literally: 200 {@code true} in sequence over the reused session,
   * reported per command (single shot, so each measurement is one run of 200).
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OperationsPerInvocation(200)
  @Warmup(iterations = 2, batchSize = 1)
  @Measurement(iterations = 10, batchSize = 1)
  public int jschReusedSession200InSequence() {
    int failures = 0;
    for (int i = 0; i < 200; i++) {
      failures += reused.run(TRUE).exitCode();
    }
    if (failures != 0) {
      throw new IllegalStateException(failures + " of 200 commands failed");
    }
    return failures;
  }

  /** What Fabric did: connect, authenticate, run, disconnect, for every command. */
  @Benchmark
  public int opensshProcessPerCommand() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(sshArgv)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    p.getOutputStream().close();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("ssh failed: " + sshArgv);
    }
    return p.exitValue();
  }

  /** A new JSch session (TCP, key exchange, auth) per command. */
  @Benchmark
  public CommandResult jschNewSessionPerCommand() {
    try (JschCommandRunner fresh = runner()) {
      return fresh.runChecked(TRUE);
    }
  }

  /** The floor: spawning {@code true} locally, no SSH at all. */
  @Benchmark
  public CommandResult localProcess() {
    return local.runChecked(TRUE);
  }
}
