package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AggregateTest {
  static final String SHA = "a".repeat(64);

  static Build build() {
    return Build.builder().app(AppName.of("shop")).version(Version.of("v1")).status(BuildStatus.SUCCESS)
        .artifact("builds/shop-v1.tar.gz").sha256(SHA).configVars(Env.of(Map.of("A", "build", "B", "build")))
        .putProcfileTypes("web", "./server").putReleaseProcessTypes("web", "default").putReleaseProcessTypes("worker", "w")
        .build();
  }

  static ImmutableSwarm.Builder swarm() {
    return Swarm.builder().id(SwarmId.of("abcdefgh")).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("main")).version(Version.of("v1"));
  }

  /** A consumer copies with changes through the public interfaces, never naming Immutable* types. */
  @Test
  void copiesWithChangesThroughThePublicInterfacesAndValidatesThem() {
    Swarm s = swarm().size(3).build();
    Swarm five = s.withSize(5);
    assertThat(five.size()).isEqualTo(5);
    assertThat(five).isEqualTo(s.toBuilder().size(5).build()).isNotEqualTo(s);
    assertThat(s.withVersion(Version.of("v2")).version()).isEqualTo(Version.of("v2"));
    assertThatThrownBy(() -> s.withSize(-1)).isInstanceOf(InvalidValueException.class).hasMessageContaining("-1");
    Host h = Host.of("h1");
    assertThat(h.toBuilder().address("10.0.0.1").build().address()).isEqualTo("10.0.0.1");
  }

  @Test
  void aSwarmWhoseProgramNamesWouldNotFitAProcDirectoryIsRefusedNamingTheParts() {
    Swarm fits = swarm().version(Version.of("v".repeat(128))).build();
    ProcName name = ProcName.of(fits.app(), fits.version(), fits.config(), ReleaseHash.of("abcdef012345"),
        fits.procType(), Port.of(65535), fits.id());
    assertThat(name.format().length()).isLessThanOrEqualTo(Swarm.MAX_PROGRAM_NAME);
    // each part at its own limit is valid; together they make a 351-character program name
    assertThatThrownBy(() -> swarm().app(AppName.of("a".repeat(64))).config(ConfigName.of("c".repeat(64)))
        .procType(ProcTypeName.of("p".repeat(64))).version(Version.of("v".repeat(128))).build())
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("up to 351 characters")
        .hasMessageContaining("app 64 + version 128 + config 64 + proc 64 + 31")
        .hasMessageContaining("200");
  }

  @Test
  void releaseEnvIsBuildThenIngredientsInListedOrderThenSwarm() {
    Swarm s = swarm()
        .addIngredients(ConfigIngredient.builder().name(IngredientName.of("zeta")).env(Env.of(Map.of("B", "zeta", "C", "zeta"))).build())
        .addIngredients(ConfigIngredient.builder().name(IngredientName.of("alpha")).env(Env.of(Map.of("C", "alpha", "D", "alpha"))).build())
        .env(Env.of(Map.of("D", "swarm")))
        .build();
    Release r = Release.of(s, build());
    assertThat(r.env().asMap()).containsExactly(
        Map.entry("A", "build"), Map.entry("B", "zeta"), Map.entry("C", "alpha"), Map.entry("D", "swarm"));
  }

  @Test
  void releaseSettingsMergeDeeplyInListedOrder() {
    Swarm s = swarm()
        .addIngredients(ConfigIngredient.builder().name(IngredientName.of("db"))
            .settings(Settings.of(Map.of("db", Map.of("host", "a", "port", 5432), "list", List.of(1, 2)))).build())
        .settings(Settings.of(Map.of("db", Map.of("host", "b"), "list", List.of(3))))
        .build();
    Release r = Release.of(s, build());
    assertThat(r.settings().asMap()).isEqualTo(Map.of("db", Map.of("host", "b", "port", 5432L), "list", List.of(3L)));
  }

  @Test
  void releaseHashIgnoresIngredientNamesButNotTheirValues() {
    Swarm a = swarm().addIngredients(ConfigIngredient.builder().name(IngredientName.of("x")).env(Env.of(Map.of("K", "1"))).build()).build();
    Swarm b = swarm().env(Env.of(Map.of("K", "1"))).build();
    Swarm c = swarm().env(Env.of(Map.of("K", "2"))).build();
    assertThat(Release.of(a, build()).hash()).isEqualTo(Release.of(b, build()).hash());
    assertThat(Release.of(c, build()).hash()).isNotEqualTo(Release.of(b, build()).hash());
  }

  @Test
  void releaseRejectsABuildOfAnotherVersion() {
    Swarm s = swarm().version(Version.of("v2")).build();
    assertThatThrownBy(() -> Release.of(s, build())).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("shop-v1").hasMessageContaining("shop-v2");
  }

  @Test
  void releaseOfAnUnfinishedBuildIsRefused() {
    Build pending = Build.builder().app(AppName.of("shop")).version(Version.of("v1")).build();
    assertThatThrownBy(() -> Release.of(swarm().build(), pending)).hasMessageContaining("shop-v1").hasMessageContaining("no tarball hash");
  }

  @Test
  void procfileWinsOverTheBuildpacksDefaultProcessTypes() {
    assertThat(build().processTypes()).containsExactly(Map.entry("web", "./server"), Map.entry("worker", "w"));
  }

  @Test
  void aBuildNamesEachOfItsBuildpacksOrNoneAndKeepsAddonsSorted() {
    Build b = Build.builder().from(build()).addBuildpacks(Buildpack.parse("file:///bp/a"), Buildpack.parse("file:///bp/b"))
        .addBuildpackNames("A", "B").addAddons("redis", "postgres", "redis").build();
    assertThat(b.buildpackNames()).containsExactly("A", "B");
    assertThat(b.addons()).containsExactly("postgres", "redis");
    assertThatThrownBy(() -> Build.builder().from(build()).addBuildpacks(Buildpack.parse("file:///bp/a"),
            Buildpack.parse("file:///bp/b")).addBuildpackNames("A").build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("buildpack names").hasMessageContaining("2 buildpacks");
    assertThatThrownBy(() -> Build.builder().from(build()).addAddons("bad\nline").build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("build addon");
  }

  @Test
  void swarmRulesNameTheBadValue() {
    assertThatThrownBy(() -> swarm().size(-1).build()).hasMessageContaining("swarm size").hasMessageContaining("-1");
    assertThatThrownBy(() -> swarm().size(10_001).build()).hasMessageContaining("10001");
    assertThatThrownBy(() -> swarm().pool(PoolName.of("p")).build()).hasMessageContaining("\"p\"").hasMessageContaining("balancer");
    assertThatThrownBy(() -> swarm().runAs("Root User").build()).hasMessageContaining("\"Root User\"");
    assertThatThrownBy(() -> swarm().memLimit(MemoryLimit.parse("1G")).memswLimit(MemoryLimit.parse("512M")).build())
        .hasMessageContaining("512M").hasMessageContaining("1G");
    assertThatThrownBy(() -> swarm().addVolumes(Volume.of("/a", "/x", false), Volume.of("/b", "/x", true)).build())
        .hasMessageContaining("\"/x\"").hasMessageContaining("twice");
    ConfigIngredient i = ConfigIngredient.builder().name(IngredientName.of("dup")).build();
    assertThatThrownBy(() -> swarm().addIngredients(i, i).build()).hasMessageContaining("\"dup\"");
  }

  @Test
  void volumesMustBeAbsoluteNormalisedAndSafe() {
    for (String bad : Arrays.asList("relative", "/a/../etc", "/a/./b", "/a//b", "/a/", "/a b", "/a,b", "/a\nb", "")) {
      assertThatThrownBy(() -> Volume.of(bad, "/mnt", false)).as(bad)
          .isInstanceOf(InvalidValueException.class).hasMessageContaining("volume host dir");
    }
    assertThatThrownBy(() -> Volume.of("/data", "/", false)).hasMessageContaining("container root");
    assertThatThrownBy(() -> Volume.fromWire(List.of("/a", "/b", "rx"))).hasMessageContaining("\"rx\"");
    assertThatThrownBy(() -> Volume.fromWire(List.of("/a"))).hasMessageContaining("volume");
    assertThat(Volume.fromWire(List.of("/a", "/b", "ro"))).isEqualTo(Volume.of("/a", "/b", true));
    assertThat(Volume.fromWire(Map.of("host_dir", "/a", "container_dir", "/b"))).isEqualTo(Volume.of("/a", "/b", false));
  }

  @Test
  void envNamesAndValuesAreChecked() {
    assertThatThrownBy(() -> Env.of(Map.of("1BAD", "x"))).hasMessageContaining("\"1BAD\"");
    assertThatThrownBy(() -> Env.of(Map.of("A-B", "x"))).hasMessageContaining("\"A-B\"");
    assertThatThrownBy(() -> Env.of(Map.of("A", "hunter2\0y"))).hasMessageContaining("env variable A")
        .hasMessageContaining("NUL").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> Env.of(Map.of("A", List.of()))).hasMessageContaining("env variable A");
    assertThat(Env.of(Map.of("N", 5, "B", true)).asMap()).containsEntry("N", "5").containsEntry("B", "true");
    assertThat(Env.of(Map.of("SECRET", "hunter2")).toString()).doesNotContain("hunter2");
  }

  @Test
  void anEnvValueLongerThanTheKernelTakesIsRefusedNamingTheVariableAndTheLimit() {
    // "BIG=" + value + NUL: 131067 value bytes fill the 131072 exactly
    assertThat(Env.of(Map.of("BIG", "a".repeat(131067))).asMap().get("BIG")).hasSize(131067);
    assertThatThrownBy(() -> Env.of(Map.of("BIG", "a".repeat(131068))))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("env variable BIG").hasMessageContaining("131072")
        .hasMessageNotContaining("aaaa");
    // bytes, not characters: é is two in UTF-8
    assertThatThrownBy(() -> Env.of(Map.of("BIG", "é".repeat(65534))))
        .hasMessageContaining("env variable BIG").hasMessageContaining("131072");
  }

  @Test
  void theEnvLimitIsTheOneTheKernelEnforces() throws Exception {
    String fits = "a".repeat(Env.MAX_VARIABLE_BYTES - "BIG=".length() - 1);
    assertThat(exitOfTrueWith(fits)).isZero();
    assertThatThrownBy(() -> exitOfTrueWith(fits + "a")).isInstanceOf(java.io.IOException.class);
  }

  private static int exitOfTrueWith(String big) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/bin/true");
    pb.environment().put("BIG", big);
    Process p = pb.start();
    assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  @Test
  void settingsRejectNonStringKeysAndOddValues() {
    assertThatThrownBy(() -> Settings.of(Map.of(1, "x"))).hasMessageContaining("\"1\"").hasMessageContaining("keys must be strings");
    assertThatThrownBy(() -> Settings.of(Map.of("a", Map.of("b", new Object())))).hasMessageContaining("settings.a.b");
  }

  @Test
  void fleetSnapshotRejectsAHostInTwoSquadsAndUnknownSquadHosts() {
    Host h = Host.of("h1");
    assertThatThrownBy(() -> FleetSnapshot.builder().addHosts(HostSnapshot.reachable(h, List.of()))
        .addSquads(Squad.builder().name(SquadName.of("a")).addHosts(h.name()).build())
        .addSquads(Squad.builder().name(SquadName.of("b")).addHosts(h.name()).build()).build())
        .hasMessageContaining("\"h1\"").hasMessageContaining("more than one squad");
    assertThatThrownBy(() -> FleetSnapshot.builder()
        .addSquads(Squad.builder().name(SquadName.of("a")).addHosts(HostName.of("ghost")).build()).build())
        .hasMessageContaining("\"ghost\"");
    assertThatThrownBy(() -> HostSnapshot.builder().host(h).reachable(false).build()).hasMessageContaining("reason");
  }

  @Test
  void procDataNeedsProcNameOrCmdAndPathSafeNames() {
    assertThatThrownBy(() -> ProcData.builder().build()).hasMessageContaining("proc_name");
    assertThatThrownBy(() -> ProcData.builder().procName("../web").build()).hasMessageContaining("\"../web\"");
    assertThatThrownBy(() -> ProcData.builder().procName("web").appName("a/b").build()).hasMessageContaining("app_name");
    assertThatThrownBy(() -> ProcData.builder().procName("web").user("root;rm").build()).hasMessageContaining("\"root;rm\"");
    assertThatThrownBy(() -> ProcData.builder().procName("web").buildMd5("xyz").build()).hasMessageContaining("build_md5");
  }
}
