package io.velociraptor.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.PortLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Port reservation is atomic across processes: two JVMs racing for the same ports never share one. */
class FileStoreCrossProcessIT {
  private static final int FIRST = 20000;
  private static final int COUNT = 150;

  @TempDir Path tmp;

  @Test
  void twoProcessesRacingForTheSamePortsNeverGetTheSamePort() throws Exception {
    Path dir = tmp.resolve("store");
    FileStore.open(dir).close();
    Process a = ChildJvm.start(tmp.resolve("a.log"), "reserve", dir.toString(), "proc-a", "" + FIRST, "" + COUNT);
    Process b = ChildJvm.start(tmp.resolve("b.log"), "reserve", dir.toString(), "proc-b", "" + FIRST, "" + COUNT);
    try {
      CompletableFuture<Set<Integer>> gotA = CompletableFuture.supplyAsync(() -> got(a));
      CompletableFuture<Set<Integer>> gotB = CompletableFuture.supplyAsync(() -> got(b));
      assertThat(a.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(b.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(a.exitValue()).isZero();
      assertThat(b.exitValue()).isZero();
      Set<Integer> portsA = gotA.get(10, TimeUnit.SECONDS);
      Set<Integer> portsB = gotB.get(10, TimeUnit.SECONDS);

      Set<Integer> both = new TreeSet<>(portsA);
      both.retainAll(portsB);
      assertThat(both).as("ports granted to both processes").isEmpty();
      assertThat(portsA.size() + portsB.size()).isEqualTo(COUNT);
      try (FileStore store = FileStore.open(dir)) {
        Map<Integer, String> locked = new TreeMap<>();
        for (PortLock l : store.portLocks()) {
          locked.put(l.port().value(), l.owner());
        }
        Map<Integer, String> expected = new TreeMap<>();
        portsA.forEach(p -> expected.put(p, "proc-a"));
        portsB.forEach(p -> expected.put(p, "proc-b"));
        assertThat(locked).isEqualTo(expected);
      }
    } finally {
      a.destroyForcibly();
      b.destroyForcibly();
    }
  }

  private static Set<Integer> got(Process p) {
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Set<Integer> ports = new TreeSet<>();
      out.lines().filter(l -> l.startsWith("got ")).forEach(l -> ports.add(Integer.parseInt(l.substring(4))));
      return ports;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
