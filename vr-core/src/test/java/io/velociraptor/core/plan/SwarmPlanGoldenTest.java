package io.velociraptor.core.plan;

import static io.velociraptor.core.model.ProcState.FATAL;
import static io.velociraptor.core.model.ProcState.RUNNING;
import static io.velociraptor.core.plan.PlannerTest.current;
import static io.velociraptor.core.plan.PlannerTest.old;
import static io.velociraptor.core.model.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.InvalidInputException;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.testing.Golden;
import org.junit.jupiter.api.Test;

/**
 * The plan's JSON form and human rendering, compared with checked-in golden files. After an
 * intended change, regenerate them with {@code -Dvr.golden.update=true} and review the diff.
 */
class SwarmPlanGoldenTest {
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
  void writesThePlanAsTheGoldenJson() {
    Golden.assertMatches("plan_every_list.json", VrJson.writeJson(everyList()) + "\n");
  }

  @Test
  void rendersThePlanAsTheGoldenText() {
    Golden.assertMatches("plan_every_list.txt", everyList().render());
  }

  @Test
  void readsItsOwnJsonBackToAnEqualPlan() {
    SwarmPlan plan = everyList();
    assertThat(VrJson.readJson(VrJson.writeJson(plan), SwarmPlan.class)).isEqualTo(plan);
  }

  @Test
  void refusesJsonWhoseStartIsNotAVrProgramName() {
    String json = VrJson.writeJson(everyList()).replaceFirst("\"shop-v2-prod-0123456789ab-web-(\\d+)-abcdefgh\"", "\"nginx\"");
    assertThatThrownBy(() -> VrJson.readJson(json, SwarmPlan.class)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("nginx");
  }
}
