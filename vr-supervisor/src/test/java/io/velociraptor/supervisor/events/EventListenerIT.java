package io.velociraptor.supervisor.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.supervisor.SupervisorClient;
import io.velociraptor.supervisor.testing.SupervisordFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link EventListenerMain} as a real {@code [eventlistener:x]} under supervisord. */
class EventListenerIT {
  @TempDir Path tmp;

  private static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void await(Path file, String what, Predicate<List<String>> condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.test(lines(file))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; events so far: " + lines(file));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  @Test
  void seesAProgramStartAndStopAsTypedJsonLines() {
    Path events = tmp.resolve("events.jsonl");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    String listener = "[eventlistener:vrevents]\n"
        + "command=" + java + " -Xmx48m -XX:TieredStopAtLevel=1 -cp " + classpath
        + " io.velociraptor.supervisor.events.EventListenerMain --out " + events + "\n"
        + "events=PROCESS_STATE,TICK_5\n"
        + "startsecs=0\nautorestart=true\nstderr_logfile=" + tmp.resolve("listener.err") + "\n"
        + "\n[program:evtarget]\ncommand=/bin/sleep 1000\nautostart=false\nstartsecs=1\n";
    try (SupervisordFixture f = SupervisordFixture.start(listener)) {
      SupervisorClient c = f.client();
      await(events, "the listener to come up", l -> l.stream().anyMatch(s -> s.contains("\"vrevents\"")
          && s.contains("\"state\":\"RUNNING\"")) || l.stream().anyMatch(s -> s.contains("TICK_5")));
      c.startProcess("evtarget", true);
      c.stopProcess("evtarget", true);
      await(events, "evtarget's states", l -> l.stream().anyMatch(s -> s.contains("\"process_name\":\"evtarget\"")
          && s.contains("\"state\":\"STOPPED\"")));
      List<String> target = lines(events).stream().filter(s -> s.contains("\"process_name\":\"evtarget\"")).toList();
      assertThat(target).extracting(s -> s.replaceAll(".*\"state\":\"([A-Z]+)\".*", "$1"))
          .containsExactly("STARTING", "RUNNING", "STOPPING", "STOPPED");
      assertThat(target.get(1)).contains("\"event\":\"PROCESS_STATE_RUNNING\"").contains("\"from_state\":\"STARTING\"")
          .contains("\"pid\":");
      await(events, "a TICK_5", l -> l.stream().anyMatch(s -> s.contains("\"event\":\"TICK_5\"")));
    }
  }
}
