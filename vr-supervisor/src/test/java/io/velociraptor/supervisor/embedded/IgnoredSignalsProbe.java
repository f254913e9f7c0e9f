package io.velociraptor.supervisor.embedded;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.spi.ProgramSpec;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Run in a child JVM by {@link EmbeddedProcControllerIgnoredSignalsTest}: checks that this JVM
 * ignores SIGINT and SIGHUP, then stops one program with each as its stop signal and prints
 * {@code trapped SIG} for each program whose trap ran. Exit 2 if the JVM did not ignore them.
 */
public final class IgnoredSignalsProbe {
  private IgnoredSignalsProbe() {}

  public static void main(String[] args) throws Exception {
    BigInteger ignored = Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("SigIgn:")).map(l -> new BigInteger(l.substring(7).trim(), 16))
        .findFirst().orElseThrow();
    if (!ignored.testBit(1 - 1) || !ignored.testBit(2 - 1)) {
      System.out.println("this JVM does not ignore HUP and INT: SigIgn " + ignored.toString(16));
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    Host host = Host.of("probe");
    try (EmbeddedProcController c = EmbeddedProcController.create(dir, Duration.ofSeconds(30))) {
      for (ProgramSpec.StopSignal sig : new ProgramSpec.StopSignal[] {ProgramSpec.StopSignal.INT, ProgramSpec.StopSignal.HUP}) {
        String name = "trap_" + sig.name();
        Path log = dir.resolve(name + ".log");
        ProgramSpec spec = ProgramSpec.builder().name(name)
            .argv("/bin/sh", "-c", "trap 'echo got-" + sig.name() + "; exit 0' " + sig.name() + "; echo ready; while :; do sleep 0.2; done")
            .startSecs(0).startRetries(0).stopWaitSecs(3).stopSignal(sig).stdoutLogfile(log.toString()).build();
        c.install(host, spec);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(Files.exists(log) && Files.readString(log).contains("ready"))) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError(name + " never became ready");
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        // stop returns once the program is STOPPED: by its trap, or by SIGKILL after stopwaitsecs
        c.stop(host, ProcName.parse(name));
        if (c.procs(host).stream().noneMatch(p -> p.name().format().equals(name) && p.state() == ProcState.STOPPED)) {
          throw new AssertionError(name + " is not STOPPED");
        }
        System.out.println((Files.readString(log).contains("got-" + sig.name()) ? "trapped " : "not trapped ") + sig.name());
      }
    }
  }
}
