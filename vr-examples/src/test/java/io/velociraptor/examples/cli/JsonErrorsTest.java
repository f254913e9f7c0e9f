package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.examples.cli.CliConfigFixture.Result;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code --json}, every error path of {@code vr} prints one JSON object on stderr, and
 * unknown names exit 2 naming the value. Run in-process against a config whose host has nothing
 * listening on its supervisord port.
 */
class JsonErrorsTest {
  @TempDir Path tmp;
  Path config;

  @BeforeEach
  void writeConfig() throws Exception {
    config = CliConfigFixture.in(tmp).deadSupervisorPort().localApp().write();
  }

  static Result vr(String... args) {
    return CliConfigFixture.vr(args);
  }

  /** @return the one JSON object stderr holds, checked against the exit code */
  static Map<?, ?> jsonError(Result r) {
    assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
    Map<?, ?> m = VrJson.readJson(r.err(), Map.class);
    assertThat(m.get("exit_code")).as(r.toString()).isEqualTo(r.exit());
    assertThat(m.containsKey("hint")).isTrue();
    assertThat(r.out()).isEmpty();
    return m;
  }

  @Test
  void aUsageErrorIsOneJsonObjectWhereverJsonIsGiven() {
    Result top = vr("--json", "nosuchcommand");
    assertThat(top.exit()).isEqualTo(VrMain.INVALID);
    assertThat((String) jsonError(top).get("error")).contains("nosuchcommand");

    Result after = vr("procs", "--json", "--bogus");
    assertThat(after.exit()).isEqualTo(VrMain.INVALID);
    Map<?, ?> m = jsonError(after);
    assertThat((String) m.get("error")).contains("--bogus");
    assertThat((String) m.get("hint")).contains("vr procs --help");

    Result missingParameter = vr("--json", "swarm", "show");
    assertThat(missingParameter.exit()).isEqualTo(VrMain.INVALID);
    jsonError(missingParameter);

    Result noSubcommand = vr("--json", "swarm");
    assertThat(noSubcommand.exit()).isEqualTo(VrMain.INVALID);
    assertThat((String) jsonError(noSubcommand).get("error")).contains("name a subcommand");
  }

  @Test
  void aGroupCommandWithoutASubcommandNamesEachOfItsSubcommands() {
    assertThat((String) jsonError(vr("--json", "swarm")).get("error"))
        .contains("name a subcommand: show, history or delete");
    assertThat((String) jsonError(vr("--json", "run")).get("error"))
        .contains("name a subcommand: show");
    assertThat((String) jsonError(vr("--json", "proc")).get("error"))
        .contains("name a subcommand: start, stop, restart, logs or delete");
  }

  @Test
  void aConfigErrorIsOneJsonObject() {
    Result r = vr("--json", "--config", tmp.resolve("missing.yaml").toString(), "swarms");
    assertThat(r.exit()).isEqualTo(VrMain.INVALID);
    Map<?, ?> m = jsonError(r);
    assertThat((String) m.get("error")).contains("missing.yaml");
    assertThat((String) m.get("hint")).contains("docs/vr.example.yaml");
  }

  @Test
  void aRuntimeFailureIsOneJsonObject() {
    Result r = vr("--config", config.toString(), "proc", "stop", "h1", "p", "--json");
    assertThat(r.exit()).isEqualTo(VrMain.ERROR);
    assertThat((String) jsonError(r).get("error")).contains("h1");
  }

  @Test
  void withoutJsonAnErrorIsStillALineAndAHint() {
    Result r = vr("--config", config.toString(), "builds", "nosuch");
    assertThat(r.err()).startsWith("vr: error: ").contains("\nhint: ");
  }

  @Test
  void anUnknownAppOrSquadExits2NamingIt() {
    Result builds = vr("--json", "--config", config.toString(), "builds", "nosuch");
    assertThat(builds.exit()).isEqualTo(VrMain.INVALID);
    assertThat((String) jsonError(builds).get("error")).contains("nosuch").contains("app1");
    assertThat(vr("--config", config.toString(), "builds", "app1").exit()).isZero();

    Result squad = vr("--config", config.toString(), "reconcile", "--squad", "nosuch");
    assertThat(squad.exit()).as(squad.toString()).isEqualTo(VrMain.INVALID);
    assertThat(squad.err()).contains("--squad").contains("nosuch").contains("[s]");
    assertThat(tmp.resolve("store/events.jsonl")).as("refused before any work").doesNotExist();
  }

  @Test
  void jsonIsRecognisedOnlyAmongTheOptions() {
    assertThat(VrMain.jsonAsked("procs", "--json")).isTrue();
    assertThat(VrMain.jsonAsked("--json", "procs")).isTrue();
    assertThat(VrMain.jsonAsked("procs", "--", "--json")).isFalse();
    assertThat(VrMain.jsonAsked("procs")).isFalse();
  }
}
