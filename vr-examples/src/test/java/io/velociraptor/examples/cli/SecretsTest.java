package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.store.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Env values, the swarm's own and its config ingredients', are redacted in output unless asked for. */
class SecretsTest {
  private static final String TOKEN = "s3cr3t-token";
  private static final String DB = "postgres://u:pw@db1/x";

  @TempDir Path tmp;
  private Path config;
  private Swarm swarm;

  @BeforeEach
  void storeASwarmWithSecrets() throws Exception {
    config = CliConfigFixture.in(tmp).write();
    Path file = tmp.resolve("swarm.yaml");
    Files.writeString(file, """
        app: app1
        version: "1"
        config: prod
        proc: web
        squad: s
        size: 1
        env:
          API_TOKEN: %s
        ingredients:
          - name: db
            env:
              DATABASE_URL: "%s"
        """.formatted(TOKEN, DB));
    swarm = SwarmFile.read(file, Optional.empty()).swarm();
    try (FileStore store = FileStore.open(tmp.resolve("store"))) {
      store.putSwarm(swarm);
    }
  }

  @Test
  void swarmShowRedactsEveryEnvValueInTextAndJson() {
    for (String[] args : new String[][] {{"swarm", "show", swarm.name()}, {"--json", "swarm", "show", swarm.name()},
        {"--json", "swarms"}}) {
      InProcess.Result r = InProcess.run(prepend(args));
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(r.out()).as(String.join(" ", args)).doesNotContain(TOKEN).doesNotContain("pw@db1")
          .contains("API_TOKEN").contains("<redacted, 12 bytes>")
          .contains("DATABASE_URL").contains("<redacted, " + DB.length() + " bytes>");
    }
  }

  @Test
  void showSecretsPrintsTheValues() {
    InProcess.Result r = InProcess.run(prepend("--show-secrets", "swarm", "show", swarm.name()));
    assertThat(r.out()).as(r.toString()).contains(TOKEN).contains(DB).doesNotContain("redacted");
    r = InProcess.run(prepend("--json", "--show-secrets", "swarms"));
    assertThat(r.out()).as(r.toString()).contains(TOKEN).contains(DB).doesNotContain("redacted");
  }

  @Test
  void theDefaultJsonOfTheToolRedactsToo() {
    assertThat(VrMain.toJson(swarm)).doesNotContain(TOKEN).contains("<redacted, 12 bytes>");
  }

  private String[] prepend(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--config";
    all[1] = config.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return all;
  }
}
