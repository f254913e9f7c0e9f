package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LxcConfigTest {
  private static LxcConfig config(Optional<String> image, LxcConfig.Network net, LxcConfig.Cgroup cg,
      Optional<Long> mem, Optional<Long> memsw, List<ProcYaml.VolumeSpec> volumes) {
    return new LxcConfig("demo-1.0-prod-abcdef12-web-5000-abcdefgh",
        new LxcConfig.Rootfs(image, "/apps/procs/p/rootfs"),
        image.isPresent() ? List.of() : List.of("/etc", "/opt", "/usr"),
        image.isPresent() ? List.of("/etc/hosts", "/etc/resolv.conf") : List.of(),
        new LxcConfig.Overlay("/apps/unpacked/0123", "/apps/procs/p/app.upper", "/apps/procs/p/app.work"),
        "/apps/procs/p/vr", volumes, net, cg, mem, memsw, 65534, 65534, "/apps/procs/p/lxc.log");
  }

  @Test
  void rendersAnImageOverlayWithHostNetworkAndCgroupV1MemoryLimits() {
    Golden.assertMatches("image-host-v1.lxc", config(Optional.of("/apps/images/unpacked/beef"),
        LxcConfig.Network.HOST, LxcConfig.Cgroup.V1, Optional.of(256L << 20), Optional.of(512L << 20),
        List.of(new ProcYaml.VolumeSpec("/srv/data", "/data", true),
            new ProcYaml.VolumeSpec("/srv/logs", "/var/log/app", false))).render());
  }

  @Test
  void rendersAHostRootWithoutNetworkAndCgroupV2Limits() {
    Golden.assertMatches("hostroot-none-v2.lxc", config(Optional.empty(), LxcConfig.Network.NONE,
        LxcConfig.Cgroup.V2, Optional.of(256L << 20), Optional.of(384L << 20), List.of()).render());
  }

  @Test
  void usesTheV1MemoryKeyAndNeverTheIgnoredV2KeyOnAV1Host() {
    String rc = config(Optional.empty(), LxcConfig.Network.HOST, LxcConfig.Cgroup.V1,
        Optional.of(64L << 20), Optional.empty(), List.of()).render();
    assertThat(rc).contains("lxc.cgroup.memory.limit_in_bytes = 67108864\n")
        .doesNotContain("lxc.cgroup2.").contains("lxc.net.0.type = none\n");
  }

  @Test
  void refusesMemoryLimitsOnAHostWithoutAMemoryController() {
    assertThatThrownBy(() -> config(Optional.empty(), LxcConfig.Network.HOST, LxcConfig.Cgroup.NONE,
        Optional.of(64L << 20), Optional.empty(), List.of()).render())
        .isInstanceOf(RunnerException.class).hasMessageContaining("no memory cgroup controller");
  }

  @Test
  void rendersNoLimitsAndNoDeviceRulesWithoutACgroupController() {
    String rc = config(Optional.empty(), LxcConfig.Network.HOST, LxcConfig.Cgroup.NONE,
        Optional.empty(), Optional.empty(), List.of()).render();
    assertThat(rc).doesNotContain("lxc.cgroup");
  }

  @Test
  void refusesAValueWithALineBreakRatherThanInjectingAKey() {
    LxcConfig bad = new LxcConfig("x\nlxc.init.uid = 0", new LxcConfig.Rootfs(Optional.empty(), "/r"),
        List.of(), List.of(), new LxcConfig.Overlay("/l", "/u", "/w"), "/vr", List.of(),
        LxcConfig.Network.HOST, LxcConfig.Cgroup.V1, Optional.empty(), Optional.empty(), 1, 1, "/log");
    assertThatThrownBy(bad::render).isInstanceOf(RunnerException.class)
        .hasMessageContaining("line break");
  }
}
