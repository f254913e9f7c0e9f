package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read-only commands leave the store as they found it (on a full disk they must still work). */
class ReadCommandsTest {
  @TempDir Path tmp;

  @Test
  void aReadCommandDoesNotRewriteTheConfigsAppsInTheStore() throws Exception {
    Files.createDirectories(tmp.resolve("src"));
    Path config = tmp.resolve("vr.yaml");
    Files.writeString(config, """
        store_dir: store
        runner:
          root: %s
          install: false
        hosts:
          - name: h1
            address: 127.0.0.1
        squads:
          - name: s
            hosts: [h1]
        apps:
          - name: app1
            repo_type: local
            repo_url: src
        """.formatted(tmp.resolve("apps")));
    assertThat(VrMain.run("--config", config.toString(), "swarms")).isEqualTo(VrMain.OK);
    Path app = tmp.resolve("store/apps/app1.json");
    BasicFileAttributes before = Files.readAttributes(app, BasicFileAttributes.class);

    assertThat(VrMain.run("--config", config.toString(), "swarms")).isEqualTo(VrMain.OK);
    assertThat(VrMain.run("--config", config.toString(), "runs")).isEqualTo(VrMain.OK);

    BasicFileAttributes after = Files.readAttributes(app, BasicFileAttributes.class);
    assertThat(after.fileKey()).as("the same file, not a rewritten one").isEqualTo(before.fileKey());
    assertThat(after.lastModifiedTime()).isEqualTo(before.lastModifiedTime());
  }
}
