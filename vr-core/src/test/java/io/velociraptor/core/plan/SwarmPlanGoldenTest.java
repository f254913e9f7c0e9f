package io.velociraptor.core.plan;

import static io.velociraptor.core.model.ProcState.FATAL;
import static io.velociraptor.core.model.ProcState.RUNNING;
import static io.velociraptor.core.plan.PlannerTest.current;
import static io.velociraptor.core.plan.PlannerTest.old;
import static io.velociraptor.core.testing.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.InvalidInputException;
import io.velociraptor.core.model.FleetSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The plan's JSON form and human rendering, compared with checked-in golden files. After an
 * intended change, regenerate them with {@code -Dvr.golden.update=true} and review the diff.
 */
class SwarmPlanGoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/io/velociraptor/core/plan");

  /** A plan that uses every list: a release change, a rename, a failure, unplaced and unreachable. */
  static SwarmPlan everyList() {
    FleetSnapshot fleet = fleet()
        .squad("main", "h1", "h2", "h3", "h4").range("h2", 5000, 5002).unreachable("h4", "connection refused")
        .proc("h1", current(5000), RUNNING)
        .proc("h1", current(5001), FATAL)
        .proc("h2", old(5000), RUNNING)
        .proc("h2", old(5001), RUNNING)
        .proc("h3", "oldshop-v2-prod-" + PlannerTest.HASH + "-web-5000-" + PlannerTest.ID, RUNNING)
        .proc("h4", current(5000), RUNNING)
        .foreign("h3", "postgres", 5001)
        .lock("h3", 5002)
        .pool("lb", "web_pool", "h1:5000", "h2:5000", "h2:5001", "h3:5000", "h4:5000", "h9:8080")
        .range("h1", 5000, 5003).range("h3", 5000, 5004)
        .build();
    return PlannerTest.plan(5, fleet);
  }

  @Test
  void writesThePlanAsTheGoldenJson() throws IOException {
    assertGolden("every-list.json", everyList().toJson() + "\n");
  }

  @Test
  void rendersThePlanAsTheGoldenText() throws IOException {
    assertGolden("every-list.txt", everyList().render());
  }

  @Test
  void readsItsOwnJsonBackToAnEqualPlan() {
    SwarmPlan plan = everyList();
    assertThat(SwarmPlan.parseJson(plan.toJson())).isEqualTo(plan);
  }

  @Test
  void refusesJsonWhoseStartIsNotAVrProgramName() {
    String json = everyList().toJson().replaceFirst("\"shop-v2-prod-0123456789ab-web-(\\d+)-abcdefgh\"", "\"nginx\"");
    assertThatThrownBy(() -> SwarmPlan.parseJson(json)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("nginx");
  }

  private static void assertGolden(String file, String actual) throws IOException {
    Path path = GOLDEN.resolve(file);
    if (Boolean.getBoolean("vr.golden.update")) {
      Files.createDirectories(path.getParent());
      Files.writeString(path, actual, StandardCharsets.UTF_8);
    }
    assertThat(path).exists();
    assertThat(actual).isEqualTo(Files.readString(path, StandardCharsets.UTF_8));
  }
}
