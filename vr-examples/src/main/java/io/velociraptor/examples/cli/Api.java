package io.velociraptor.examples.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.velociraptor.core.deploy.GcReport;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.plan.RolloutPlan;
import io.velociraptor.core.plan.SwarmPlan;
import java.util.List;
import java.util.Map;

/**
 * What the CLI reads from a vr server's answers: the same model types its commands print with
 * {@code --json} (docs/api.md), and the queries it sends.
 */
final class Api {
  static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  static final TypeReference<List<Map<String, Object>>> ROWS = new TypeReference<>() {};
  static final TypeReference<List<Swarm>> SWARMS = new TypeReference<>() {};
  static final TypeReference<Swarm> SWARM = new TypeReference<>() {};
  static final TypeReference<SwarmRun> RUN = new TypeReference<>() {};
  static final TypeReference<SwarmPlan> PLAN = new TypeReference<>() {};
  static final TypeReference<RolloutPlan> ROLLOUT_PLAN = new TypeReference<>() {};
  static final TypeReference<List<Build>> BUILDS = new TypeReference<>() {};
  static final TypeReference<FleetSnapshot> SNAPSHOT = new TypeReference<>() {};
  static final TypeReference<GcReport> GC = new TypeReference<>() {};

  private Api() {}

  /** @return {@code ?k=v&...} of the pairs whose value is not null, or "" */
  static String query(String... keysAndValues) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i + 1] != null) {
        b.append(b.length() == 0 ? '?' : '&').append(keysAndValues[i]).append('=')
            .append(java.net.URLEncoder.encode(keysAndValues[i + 1], java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return b.toString();
  }
}
