package io.velociraptor.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.BuildStatus;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.ConfigIngredient;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.IngredientName;
import io.velociraptor.core.model.MemoryLimit;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.PoolState;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcState;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.Settings;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.model.Volume;
import io.velociraptor.core.testing.Golden;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GoldenWireTest {
  static Build build() {
    return Build.builder().app(AppName.of("shop")).version(Version.of("release-1.0")).status(BuildStatus.SUCCESS)
        .commit("3f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e").addBuildpacks(Buildpack.parse("file:///bp/java.git#v3"))
        .artifact("builds/shop/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.tar.gz")
        .md5("0cc175b9c0f1b6a831c399e269772661").sha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .sizeBytes(18234).putProcfileTypes("web", "java -cp app Main").putReleaseProcessTypes("web", "java Main")
        .putReleaseProcessTypes("worker", "java Worker").configVars(Env.of(Map.of("JAVA_OPTS", "-Xmx64m")))
        .startedAt(Instant.parse("2026-11-25T10:00:00Z")).finishedAt(Instant.parse("2026-11-25T10:00:42Z"))
        .addBuildpackNames("Java").addAddons("papertrail", "heroku-postgresql")
        .compileLog("builds/shop/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.compile.log")
        .build();
  }

  static Swarm swarm() {
    return Swarm.builder().id(SwarmId.of("k3v7q2zd")).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("main")).size(3).version(Version.of("release-1.0"))
        .addIngredients(ConfigIngredient.builder().name(IngredientName.of("postgres"))
            .settings(Settings.of(Map.of("db", Map.of("host", "db1", "port", 5432)))).env(Env.of(Map.of("PGHOST", "db1"))).build())
        .settings(Settings.of(Map.of("db", Map.of("name", "shop"), "greeting", "@We're testing, aren't we?")))
        .env(Env.of(Map.of("LANG", "C.UTF-8")))
        .addVolumes(Volume.of("/srv/shop/uploads", "/uploads", false), Volume.of("/etc/shop", "/config", true))
        .runAs("shop").memLimit(MemoryLimit.parse("256M")).memswLimit(MemoryLimit.parse("512M"))
        .pool(PoolName.of("shop-web")).balancer(BalancerName.of("default")).build();
  }

  @Test
  void swarmYamlMatchesTheGoldenFileAndRoundTrips() {
    String yaml = VrJson.writeYaml(swarm());
    Golden.assertMatches("swarm.yaml", yaml);
    assertThat(VrJson.readYaml(Golden.read("swarm.yaml"), Swarm.class)).isEqualTo(swarm());
  }

  static Swarm swarmWithUpdate() {
    return swarm().toBuilder().size(6).update(UpdatePolicy.builder().maxParallel(ProcCount.of(2))
        .maxSurge(ProcCount.percent(50)).minInService(ProcCount.percent(80)).canary(1).minHealthySeconds(10)
        .drainSeconds(5).autoRevert(true).build()).build();
  }

  @Test
  void swarmWithAnUpdatePolicyMatchesTheGoldenFileAndRoundTrips() {
    Golden.assertMatches("swarm_update.yaml", VrJson.writeYaml(swarmWithUpdate()));
    assertThat(VrJson.readYaml(Golden.read("swarm_update.yaml"), Swarm.class)).isEqualTo(swarmWithUpdate());
    Golden.assertMatches("swarm_update.json", VrJson.writeJson(swarmWithUpdate()) + "\n");
    assertThat(VrJson.readJson(Golden.read("swarm_update.json"), Swarm.class)).isEqualTo(swarmWithUpdate());
  }

  @Test
  void anUpdatePolicyChangesNeitherTheReleaseHashNorTheSwarmsIdentity() {
    Swarm plain = swarm().toBuilder().size(6).build();
    assertThat(Release.of(swarmWithUpdate(), build()).hash()).isEqualTo(Release.of(plain, build()).hash());
    assertThat(VrJson.writeYaml(plain)).doesNotContain("update");
    assertThat(swarmWithUpdate().id()).isEqualTo(plain.id());
    assertThat(swarmWithUpdate().name()).isEqualTo(plain.name());
  }

  @Test
  void buildResultYamlMatchesTheGoldenFileAndRoundTrips() {
    Golden.assertMatches("build_result.yaml", VrJson.writeYaml(build()));
    assertThat(VrJson.readYaml(Golden.read("build_result.yaml"), Build.class)).isEqualTo(build());
  }

  @Test
  void aBuildResultWrittenBeforeNamesAddonsAndTheCompileLogStillReads() {
    Build old = VrJson.readYaml(Golden.read("build_result_before_names.yaml"), Build.class);
    assertThat(old.buildpackNames()).isEmpty();
    assertThat(old.addons()).isEmpty();
    assertThat(old.compileLog()).isEmpty();
    assertThat(old).isEqualTo(Build.builder().from(build()).buildpackNames(List.of())
        .addons(List.of()).compileLog(java.util.Optional.empty()).build());
  }

  @Test
  void releaseJsonMatchesTheGoldenFileAndRoundTrips() {
    Release release = Release.of(swarm(), build());
    Golden.assertMatches("release.json", VrJson.writeJson(release));
    Release read = VrJson.readJson(Golden.read("release.json"), Release.class);
    assertThat(read).isEqualTo(release);
    assertThat(read.hash()).isEqualTo(release.hash());
  }

  @Test
  void procYamlMatchesTheGoldenFileAndRoundTrips() {
    Release release = Release.of(swarm(), build());
    ProcData data = ProcData.builder().appName("shop").version("release-1.0").configName("prod")
        .releaseHash(release.hash().value()).procName("web").port(5003).host("host1.example").user("shop")
        .env(release.env()).settings(release.settings()).buildUrl("/apps/builds/shop-release-1.0.tar.gz")
        .buildMd5(build().md5().orElseThrow()).buildSha256(build().sha256().orElseThrow()).volumes(release.volumes())
        .memLimit(release.memLimit()).memswLimit(release.memswLimit()).swarmId(swarm().id()).build();
    Golden.assertMatches("proc.yaml", VrJson.writeYaml(data));
    assertThat(VrJson.readYaml(Golden.read("proc.yaml"), ProcData.class)).isEqualTo(data);
    assertThat(data.programName()).isEqualTo("shop-release_1.0-prod-" + release.hash() + "-web-5003-k3v7q2zd");
  }

  @Test
  void anOriginalProcYamlLoads() {
    ProcData data = VrJson.readYaml(Golden.read("original_proc.yaml"), ProcData.class);
    assertThat(data.programName()).isEqualTo("node_example-v2-local-f96054b7-web-5003");
    assertThat(data.volumes()).containsExactly(Volume.of("/var/log/app", "/logs", false));
    assertThat(data.env().asMap()).containsEntry("FACEBOOK_APP_ID", "1234123412341234");
    assertThat(data.settings().asMap()).containsEntry("tricky", "@We're testing, aren't we?");
    assertThat(data.memLimit()).contains(MemoryLimit.parse("256M"));
  }

  @Test
  void fleetSnapshotJsonMatchesTheGoldenFileAndRoundTrips() {
    Host h1 = Host.builder().name(HostName.of("host1.example")).portRange(PortRange.of(5000, 5100)).build();
    Host h2 = Host.builder().name(HostName.of("host2.example")).active(false).build();
    FleetSnapshot fleet = FleetSnapshot.builder()
        .addHosts(HostSnapshot.reachable(h1, List.of(
            ObservedProc.builder().host(h1.name()).name(ProcName.parse("shop-release_1.0-prod-0123456789ab-web-5003-k3v7q2zd"))
                .state(ProcState.RUNNING).pid(4242).startedAt(Instant.parse("2026-11-25T10:01:00Z")).build(),
            ObservedProc.of(h1.name(), ProcName.parse("node_example-v2-local-f96054b7-web-5004"), ProcState.STOPPED),
            ObservedProc.builder().host(h1.name()).name(ProcName.parse("cron")).state(ProcState.RUNNING)
                .description("pid 12, uptime 1 day").port(Port.of(5005)).build())))
        .addHosts(HostSnapshot.unreachable(h2, "connection refused: host2.example:9001"))
        .addSquads(Squad.builder().name(SquadName.of("main")).addHosts(h1.name(), h2.name()).build())
        .addPortLocks(PortLock.of(h1.name(), Port.of(5006), "run-42"))
        .addPools(PoolState.builder().balancer(BalancerName.of("default")).pool(PoolName.of("shop-web"))
            .addMembers(PoolMember.parse("host1.example:5003")).build())
        .addBuilds(io.velociraptor.core.model.Build.builder().app(io.velociraptor.core.model.AppName.of("shop"))
            .version(io.velociraptor.core.model.Version.of("release 1.0"))
            .status(io.velociraptor.core.model.BuildStatus.SUCCESS).artifact("/var/lib/vr/artifacts/" + "ab".repeat(32) + ".tar.gz")
            .sha256("ab".repeat(32)).putProcfileTypes("web", "bin/serve").build())
        .build();
    Golden.assertMatches("fleet_snapshot.json", VrJson.writeJson(fleet));
    assertThat(VrJson.readJson(Golden.read("fleet_snapshot.json"), FleetSnapshot.class)).isEqualTo(fleet);
  }
}
