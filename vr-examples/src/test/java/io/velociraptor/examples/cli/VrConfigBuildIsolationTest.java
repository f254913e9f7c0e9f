package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VrConfigBuildIsolationTest {
  private static final String BASE = "store_dir: store\nhosts:\n  - name: h1\n    address: 127.0.0.1\n";

  @TempDir
  Path dir;

  private VrConfig load(String extra) throws IOException {
    Path file = dir.resolve("vr.yaml");
    Files.writeString(file, BASE + extra);
    return VrConfig.load(file);
  }

  @Test
  void buildsRunOnTheHostAsTheBuildUserWithoutNetworkByDefault() throws IOException {
    VrConfig c = load("");
    assertThat(c.buildInRuntime).isFalse();
    assertThat(c.buildNetwork).isFalse();
  }

  @Test
  void buildIsolationRuntimeRunsBuildpackScriptsThroughTheRuntime() throws IOException {
    VrConfig c = load("runtime: lxc\nbuild_isolation: runtime\nbuild_network: true\n");
    assertThat(c.buildInRuntime).isTrue();
    assertThat(c.buildNetwork).isTrue();
  }

  @Test
  void anUnknownIsolationIsRefusedNamingTheFieldAndValue() {
    assertThatThrownBy(() -> load("build_isolation: container\n"))
        .hasMessageContaining("build_isolation").hasMessageContaining("container")
        .hasMessageContaining("user, runtime");
  }
}
