package io.velociraptor.examples.e2e;

import static io.velociraptor.examples.e2e.Converged.assertConverged;
import static io.velociraptor.examples.e2e.Converged.assertDeletedCleanly;
import static io.velociraptor.examples.e2e.Converged.assertSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.velociraptor.core.deploy.DispatchEvent;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.JsonLinesEventSink;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.lxc.RuntimeKind;
import java.io.StringWriter;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dispatches of the example app onto three real hosts (two local supervisords, one over SSH),
 * plain-process runtime, routed through a real nginx. Each scenario has its own swarm and
 * deletes it at the end; the world (and the builds in its store) is shared by the class.
 */
class DispatchScenariosIT {
  static E2eWorld world;

  @BeforeAll
  static void startWorld() {
    assumeTrue(E2eWorld.isRoot(), "the e2e dispatch tests run procs as nobody and need root (CI runs as root)");
    world = E2eWorld.start(RuntimeKind.PLAIN);
  }

  @AfterAll
  static void stopWorld() {
    if (world != null) {
      world.close();
    }
  }

  @Test
  void fourProcsAreReachedThroughNginxThenScaledToSixAndToTwo() throws Exception {
    StringWriter lines = new StringWriter();
    try (Dispatcher d = world.dispatcherBuilder().listener(JsonLinesEventSink.to(lines)).build()) {
      Swarm four = world.swarm("four", 4).build();
      assertSucceeded(d.dispatch(four), world);
      assertConverged(world, d, four, "first dispatch of 4");
      Set<String> hostsUsed = world.programs(four.id(), s -> s == ProcState.RUNNING).stream()
          .map(p -> p.substring(0, p.indexOf('/'))).collect(Collectors.toCollection(TreeSet::new));
      assertThat(hostsUsed).as("4 procs spread over the squad").containsExactly("h1", "h2", "h3");
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v1\n");
      assertThat(world.host("h3").procDirs()).as("the SSH host got procs too").isNotEmpty();

      TreeSet<String> firstFour = world.programs(four.id(), s -> true);
      Swarm six = world.swarm("four", 6).build();
      assertSucceeded(d.dispatch(six), world);
      assertConverged(world, d, six, "scaled to 6");
      assertThat(world.programs(six.id(), s -> true)).as("scaling up keeps the running procs").containsAll(firstFour);

      TreeSet<String> allSix = world.programs(six.id(), s -> true);
      Swarm two = world.swarm("four", 2).build();
      assertSucceeded(d.dispatch(two), world);
      assertConverged(world, d, two, "scaled to 2");
      assertThat(allSix).as("scaling down stops procs, it starts none").containsAll(world.programs(two.id(), s -> true));
      assertThat(world.throughNginx().body()).isEqualTo("prebuilt and ready: v1\n");

      assertDeletedCleanly(world, d, two);
    }
    // every event went out as one JSON line with its type
    String[] json = lines.toString().split("\n");
    assertThat(json.length).isGreaterThan(20);
    Set<String> types = new TreeSet<>();
    for (String line : json) {
      DispatchEvent e = VrJson.json().readValue(line, DispatchEvent.class);
      types.add(VrJson.json().readTree(line).get("type").asText());
      assertThat(e.runId()).isNotBlank();
    }
    assertThat(types).contains("run_started", "build_started", "build_finished", "planned", "proc_starting", "proc_started",
        "uptest_passed", "routed", "unrouted", "proc_stopped", "run_done");
    assertThat(HostName.of("h1")).isNotNull();
  }
}
