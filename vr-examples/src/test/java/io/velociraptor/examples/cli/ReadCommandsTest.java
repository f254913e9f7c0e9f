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
    Path config = CliConfigFixture.in(tmp).localApp().write();
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
