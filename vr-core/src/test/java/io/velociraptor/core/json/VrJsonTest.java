package io.velociraptor.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.Swarm;
import org.junit.jupiter.api.Test;

class VrJsonTest {
  private static final String SWARM = """
      id: abcdefgh
      app: web_app
      proc_type: web
      config: prod
      squad: main
      size: 3
      version: release-1.0
      env: {PORT_BASE: 8000, DEBUG: true}
      settings: {db: {host: x, port: 5432}}
      volumes:
        - [/data/shared, /shared]
        - [/data/ro, /ro, ro]
      pool: web_pool
      balancer: default
      mem_limit: 256M
      """;

  @Test
  void readsASwarmFromSnakeCaseYamlAndWritesItBackTheSame() {
    Swarm swarm = VrJson.readYaml(SWARM, Swarm.class);
    assertThat(swarm.name()).isEqualTo("web_app-prod-web");
    assertThat(swarm.env().asMap()).containsEntry("PORT_BASE", "8000").containsEntry("DEBUG", "true");
    assertThat(swarm.volumes()).hasSize(2);
    assertThat(swarm.volumes().get(1).readOnly()).isTrue();
    String json = VrJson.writeJson(swarm);
    assertThat(json).contains("\"proc_type\"").contains("\"mem_limit\" : \"256M\"");
    assertThat(VrJson.readJson(json, Swarm.class)).isEqualTo(swarm);
    assertThat(VrJson.readYaml(VrJson.writeYaml(swarm), Swarm.class)).isEqualTo(swarm);
  }

  @Test
  void namesTheMissingRequiredKeyInSnakeCase() {
    assertThatThrownBy(() -> VrJson.readYaml("id: abcdefgh\napp: a\nconfig: c\nsquad: s\nversion: v\n", Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("proc_type");
  }

  @Test
  void namesTheBadValueAndWhereItIs() {
    assertThatThrownBy(() -> VrJson.readYaml(SWARM.replace("app: web_app", "app: web-app"), Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("\"web-app\"")
        .hasMessageContaining("app");
  }

  @Test
  void readsProcNamesAsBareStrings() {
    ProcName name = VrJson.readJson("\"a-v1-prod-0123456789ab-web-5000-abcdefgh\"", ProcName.class);
    assertThat(name).isInstanceOf(ProcName.Ours.class);
  }

  @Test
  void readsAnOriginalProcYamlWithTheLegacyProcKey() {
    ProcData data = VrJson.readYaml("""
        app_name: node_example
        version: v2
        config_name: local
        release_hash: f96054b7
        proc: web
        port: 5003
        user: nobody
        group: nogroup
        volumes: [[/var/log, /logs]]
        buildpack_url: https://example.invalid/bp.git
        """, ProcData.class);
    assertThat(data.procName()).contains("web");
    assertThat(data.programName()).isEqualTo("node_example-v2-local-f96054b7-web-5003");
  }

  @Test
  void emptySnapshotRoundTrips() {
    FleetSnapshot empty = FleetSnapshot.builder().build();
    assertThat(VrJson.readJson(VrJson.writeJson(empty), FleetSnapshot.class)).isEqualTo(empty);
  }

  @Test
  void refusesADuplicateTopLevelKeyNamingItAndBothLines() {
    assertThatThrownBy(() -> VrJson.readYaml(SWARM + "size: 5\n", Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate key 'size' at line 16 (first at line 6)");
    assertThatThrownBy(() -> VrJson.readYaml(SWARM + "size: 5\n", Object.class))
        .hasMessageContaining("duplicate key 'size' at line 16 (first at line 6)");
  }

  @Test
  void refusesADuplicateKeyInsideEnvAndDeepInsideSettings() {
    String env = SWARM.replace("env: {PORT_BASE: 8000, DEBUG: true}", "env:\n  DEBUG: true\n  X: 1\n  DEBUG: false");
    assertThatThrownBy(() -> VrJson.readYaml(env, Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate key 'DEBUG' at line 11 (first at line 9) in env");
    String deep = SWARM.replace("settings: {db: {host: x, port: 5432}}",
        "settings:\n  db:\n    host: x\n    list:\n      - {a: 1, b: 2, a: 3}\n");
    assertThatThrownBy(() -> VrJson.readYaml(deep, Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate key 'a' at line 13 (first at line 13) in settings.db.list.0");
  }

  @Test
  void refusesADuplicateJsonKeyNamingItAndBothLines() {
    assertThatThrownBy(() -> VrJson.readJson("{\n  \"a\": 1,\n  \"b\": {\"c\": 1,\n    \"c\": 2}\n}", Object.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate key 'c' at line 4 (first at line 3) in b");
  }

  @Test
  void aWholeNumberFieldTakesNeitherAFractionNorAString() {
    assertThatThrownBy(() -> VrJson.readYaml(SWARM.replace("size: 3", "size: 3.5"), Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("at size: must be a whole number, not 3.5");
    assertThatThrownBy(() -> VrJson.readYaml(SWARM.replace("size: 3", "size: \"3\""), Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("at size: must be a whole number, not \"3\" (a string");
    assertThatThrownBy(() -> VrJson.readJson(VrJson.writeJson(VrJson.readYaml(SWARM, Swarm.class))
        .replace("\"size\" : 3", "\"size\" : 3.0"), Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("at size: must be a whole number, not 3.0");
    assertThatThrownBy(() -> VrJson.readYaml(SWARM + "one_per_host: \"true\"\n", Swarm.class))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("at one_per_host: must be true or false, not \"true\" (a string");
  }
}
