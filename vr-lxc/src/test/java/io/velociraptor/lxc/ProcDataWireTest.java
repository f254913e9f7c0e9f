package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.MemoryLimit;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.Settings;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Volume;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the dispatcher writes (ProcData through VrJson) is what the runner reads. */
class ProcDataWireTest {
  @Test
  void theRunnerReadsEveryFieldOfAProcYamlWrittenFromProcData() {
    ProcData data = ProcData.builder().appName("demo").version("1.0 beta").configName("prod")
        .releaseHash("0123abcd").procName("web").port(5003).host("app1").user("app").group("web")
        .env(Env.of(Map.of("QUOTED", "it's \"q\"\n$HOME", "N", "0123")))
        .settings(Settings.of(Map.of("db", Map.of("port", 5432))))
        .buildUrl("/apps/builds/x.tar.gz").buildMd5("01234567890123456789012345678901")
        .buildSha256("0".repeat(64)).memLimit(MemoryLimit.parse("256M")).memswLimit(MemoryLimit.parse("1G"))
        .addVolumes(Volume.of("/srv/data", "/data", true)).imageName("busybox")
        .imageUrl("/apps/images/i.tar.gz").imageMd5("a".repeat(32)).swarmId(SwarmId.of("abcdefgh"))
        .build();

    ProcYaml p = ProcYaml.parse(VrJson.writeYaml(data), Map.of());

    assertThat(p.appName).contains("demo");
    assertThat(p.version).contains("1.0 beta");
    assertThat(p.releaseHash).contains("0123abcd");
    assertThat(p.procName).contains("web");
    assertThat(p.port).isEqualTo(5003);
    assertThat(p.user).isEqualTo("app");
    assertThat(p.group).contains("web");
    assertThat(p.env).containsEntry("QUOTED", "it's \"q\"\n$HOME").containsEntry("N", "0123");
    assertThat(p.settings.get("db").get("port").asInt()).isEqualTo(5432);
    assertThat(p.buildMd5).contains("01234567890123456789012345678901");
    assertThat(p.buildSha256).contains("0".repeat(64));
    assertThat(p.memLimit).contains(256L << 20);
    assertThat(p.memswLimit).contains(1L << 30);
    assertThat(p.volumes).containsExactly(new ProcYaml.VolumeSpec("/srv/data", "/data", true));
    assertThat(p.imageUrl).contains("/apps/images/i.tar.gz");
    assertThat(p.swarmId).contains("abcdefgh");
  }
}
