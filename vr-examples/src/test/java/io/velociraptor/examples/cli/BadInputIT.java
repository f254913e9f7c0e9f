package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every mistake in a config or swarm file, given to the real jar, ends with exit code 2 and one
 * line naming the file and the field, plus a hint; no stack trace unless --debug.
 */
class BadInputIT {
  static final String GOOD = """
      store_dir: store
      hosts:
        - name: h1
          address: 127.0.0.1
          port_range: 5000-5010
        - name: h2
      squads:
        - name: s
          hosts: [h1]
      balancers:
        - name: mem
          type: memory
      apps:
        - name: app1
          repo_type: local
          repo_url: src
      """;

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      a misspelt store_dir makes it missing        | store_dir: store          | store_dir_: store            | store_dir is required
      a bad port range names the host's field      | port_range: 5000-5010     | port_range: 50x0-5010        | hosts[0].port_range "50x0-5010" is not valid
      a backwards port range names the field       | port_range: 5000-5010     | port_range: 5010-5000        | hosts[0].port_range "5010-5000" is not valid
      a squad naming an unknown host names it      | hosts: [h1]               | hosts: [h1, h7]              | squads[0].hosts[1] "h7" is not a configured host
      a host listed twice in a squad is named      | hosts: [h1]               | hosts: [h1, h1]              | squads[0].hosts[1] "h1" is listed twice
      a second host of the same name is named      | - name: h2                | - name: h1                   | hosts[1].name "h1" is configured twice
      an unknown runtime is named                  | store_dir: store          | store_dir: store\\nruntime: docker | runtime "docker" must be one of plain, lxc
      an unknown balancer type is named            | type: memory              | type: haproxy                | balancers[0].type "haproxy" must be one of nginx, memory
      an app name with a dash is named             | name: app1                | name: app-1                  | apps[0].name "app-1" is not valid
      a bad host name is named                     | name: h2                  | name: h_2.                   | hosts[1].name "h_2." is not valid
      a list where a value belongs is named        | address: 127.0.0.1        | address: [a, b]              | hosts[0].address must be a single value
      a misspelt host field is named               | address: 127.0.0.1        | adress: 127.0.0.1            | hosts[0].adress is not a known field
      a host ssh switch that is not a boolean      | address: 127.0.0.1        | address: 127.0.0.1\\n    ssh: sometimes | hosts[0].ssh "sometimes" must be true or false
      an SSH port out of range is named            | store_dir: store          | store_dir: store\\nssh:\\n  port: 70000 | ssh.port 70000 must be between 1 and 65535
      an nginx balancer without pools_dir          | type: memory              | type: nginx                  | balancers[0].pools_dir is required
      a balancer on an unknown host is named       | type: memory              | type: memory\\n    host: h9 | balancers[0].host "h9" is not a configured host
      a relative runner root is named              | store_dir: store          | store_dir: store\\nrunner:\\n  root: apps | runner.root "apps" must be an absolute path
      an unknown repo type is named                | repo_type: local          | repo_type: svn               | apps[0].repo_type "svn" must be one of git, local
      """)
  void aConfigMistakeExitsTwoAndNamesTheField(String why, String from, String to, String expected) throws Exception {
    Path config = dir.resolve("vr.yaml");
    Files.writeString(config, GOOD.replace(from, to.replace("\\n", "\n")));
    VrJar.Result r = VrJar.run(dir, "--config", config.toString(), "swarms");
    assertThat(r.exit()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().lines().toList()).as(r.toString()).hasSize(2);
    assertThat(r.err()).startsWith("vr: error: " + config + ": " + expected).contains("\nhint: ").doesNotContain("\tat ");
  }

  @Test
  void aSupervisorUserWithoutPasswordNamesThePasswordField() throws Exception {
    Path config = dir.resolve("vr.yaml");
    Files.writeString(config, GOOD + "supervisor:\n  username: vr\n");
    VrJar.Result r = VrJar.run(dir, "--config", config.toString(), "swarms");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("supervisor.password is required when the other credential is given");
  }

  @Test
  void aMissingConfigFileSaysWhereToFindTheExampleAndDebugAddsTheStackTrace() throws Exception {
    VrJar.Result r = VrJar.run(dir, "procs");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("vr.yaml: the file does not exist").contains("docs/vr.example.yaml")
        .doesNotContain("\tat ");
    VrJar.Result debug = VrJar.run(dir, "--debug", "procs");
    assertThat(debug.err()).contains("\tat io.velociraptor.examples.cli.VrConfig.load");
  }

  @Test
  void swarmFileMistakesExitTwoAndNameTheField() throws Exception {
    Path snap = dir.resolve("fleet.json");
    Files.writeString(snap, "{\"hosts\": [], \"squads\": [], \"port_locks\": [], \"pools\": []}");
    String good = "app: app1\nversion: '1'\nconfig: c\nproc: web\nsquad: s\nrelease_hash: abcdef12\n";
    String[][] cases = {
        {good.replace("proc: web\n", ""), "swarm.yaml: proc is required"},
        {good + "sise: 3\n", "swarm.yaml: sise is not a swarm field"},
        {good + "size: -1\n", "swarm size"},
        {good.replace("config: c", "config: c-1"), "config"},
        {good.replace("abcdef12", "xyz"), "swarm.yaml: release_hash \"xyz\" is not valid"},
        {"- just a list\n", "swarm.yaml: the document must be a mapping"}};
    for (String[] c : cases) {
      Files.writeString(dir.resolve("swarm.yaml"), c[0]);
      VrJar.Result r = VrJar.run(dir, "plan", "--snapshot", snap.toString(), "swarm.yaml");
      assertThat(r.exit()).as(c[1] + "\n" + r).isEqualTo(2);
      assertThat(r.err()).as(r.toString()).startsWith("vr: error: ").contains(c[1]).contains("\nhint: ");
    }
  }

  @Test
  void anUnknownOptionIsAUsageErrorWithExitTwo() throws Exception {
    VrJar.Result r = VrJar.run(dir, "procs", "--hots", "h1");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown options: '--hots'").contains("vr procs --help");
  }
}
