package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class IdentityTest {
  static Stream<Arguments> invalidValues() {
    return Stream.of(
        Arguments.of("app name", (Function<String, ?>) AppName::of, "my-app"),
        Arguments.of("app name", (Function<String, ?>) AppName::of, "my app"),
        Arguments.of("app name", (Function<String, ?>) AppName::of, "a:b"),
        Arguments.of("app name", (Function<String, ?>) AppName::of, "a/b"),
        Arguments.of("app name", (Function<String, ?>) AppName::of, "100%"),
        Arguments.of("app name", (Function<String, ?>) AppName::of, ""),
        Arguments.of("app name", (Function<String, ?>) AppName::of, ".."),
        Arguments.of("proc name", (Function<String, ?>) ProcTypeName::of, "."),
        Arguments.of("app name", (Function<String, ?>) AppName::of, "x".repeat(65)),
        Arguments.of("config name", (Function<String, ?>) ConfigName::of, "prod-eu"),
        Arguments.of("proc name", (Function<String, ?>) ProcTypeName::of, "web 1"),
        Arguments.of("squad name", (Function<String, ?>) SquadName::of, "-main"),
        Arguments.of("pool name", (Function<String, ?>) PoolName::of, "pool one"),
        Arguments.of("balancer name", (Function<String, ?>) BalancerName::of, "a/b"),
        Arguments.of("host name", (Function<String, ?>) HostName::of, "host..example"),
        Arguments.of("host name", (Function<String, ?>) HostName::of, "-host"),
        Arguments.of("host name", (Function<String, ?>) HostName::of, "host name"),
        Arguments.of("swarm id", (Function<String, ?>) SwarmId::of, "ABCDEFGH"),
        Arguments.of("swarm id", (Function<String, ?>) SwarmId::of, "abcdefg1"),
        Arguments.of("swarm id", (Function<String, ?>) SwarmId::of, "abcdefghi"),
        Arguments.of("release hash", (Function<String, ?>) ReleaseHash::of, "0123456"),
        Arguments.of("release hash", (Function<String, ?>) ReleaseHash::of, "0123456G"),
        Arguments.of("version", (Function<String, ?>) Version::of, "v1\nrm -rf"),
        Arguments.of("version", (Function<String, ?>) Version::of, "v".repeat(129)),
        Arguments.of("port", (Function<String, ?>) Port::parse, "0"),
        Arguments.of("port", (Function<String, ?>) Port::parse, "65536"),
        Arguments.of("port", (Function<String, ?>) Port::parse, "80a"),
        Arguments.of("memory limit", (Function<String, ?>) MemoryLimit::parse, "256X"),
        Arguments.of("memory limit", (Function<String, ?>) MemoryLimit::parse, "1M"),
        Arguments.of("memory limit", (Function<String, ?>) MemoryLimit::parse, "-5M"),
        Arguments.of("memory limit", (Function<String, ?>) MemoryLimit::parse, "99999999999999T"),
        Arguments.of("pool member", (Function<String, ?>) PoolMember::parse, "host"),
        Arguments.of("pool member", (Function<String, ?>) PoolMember::parse, "a;b:80"));
  }

  @ParameterizedTest(name = "{0} rejects \"{2}\"")
  @MethodSource("invalidValues")
  void rejectsAnInvalidValueWithAMessageNamingIt(String field, Function<String, ?> factory, String value) {
    assertThatThrownBy(() -> factory.apply(value))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining(field)
        .hasMessageContaining(InvalidValueException.quote(value).substring(0, Math.min(40, InvalidValueException.quote(value).length())))
        .satisfies(e -> assertThat(((InvalidValueException) e).value()).isEqualTo(value));
  }

  @Test
  void nullIsRejectedWithAMessageNamingTheField() {
    assertThatThrownBy(() -> AppName.of(null)).isInstanceOf(InvalidValueException.class).hasMessageContaining("app name");
  }

  @Test
  void portOutOfRangeNamesTheNumber() {
    assertThatThrownBy(() -> Port.of(70000)).hasMessageContaining("70000").hasMessageContaining("port");
    assertThatThrownBy(() -> Port.of(0)).hasMessageContaining("\"0\"");
  }

  @Test
  void portRangesMustBeNonEmptyAndInsideTheTcpRange() {
    assertThatThrownBy(() -> PortRange.of(6000, 5000)).hasMessageContaining("port range end").hasMessageContaining("5000");
    assertThatThrownBy(() -> PortRange.of(5000, 5000)).hasMessageContaining("5000");
    assertThatThrownBy(() -> PortRange.of(0, 10)).hasMessageContaining("port range start").hasMessageContaining("\"0\"");
    assertThatThrownBy(() -> PortRange.of(65000, 70000)).hasMessageContaining("70000");
    assertThat(PortRange.of(5000, 5003).size()).isEqualTo(3);
    assertThat(PortRange.of(5000, 5003).contains(5003)).isFalse();
  }

  @Test
  void memoryLimitsKeepTheirTextAndKnowTheirBytes() {
    assertThat(MemoryLimit.parse("256M").bytes()).isEqualTo(256L << 20);
    assertThat(MemoryLimit.parse("1G").bytes()).isEqualTo(1L << 30);
    assertThat(MemoryLimit.parse("8192k").bytes()).isEqualTo(8L << 20);
    assertThat(MemoryLimit.parse("16777216").bytes()).isEqualTo(16L << 20);
    assertThat(MemoryLimit.parse("256M").format()).isEqualTo("256M");
  }

  @Test
  void versionNameFormReplacesEverythingOutsideTheNameAlphabet() {
    assertThat(Version.of("release-1.0").nameForm()).isEqualTo("release_1.0");
    assertThat(Version.of("feature/x y").nameForm()).isEqualTo("feature_x_y");
    assertThat(Version.of("ü").nameForm()).isEqualTo("_");
  }

  @Test
  void swarmIdsFromBitsAreValidAndDistinct() {
    assertThat(SwarmId.fromBits(0).value()).isEqualTo("aaaaaaaa");
    assertThat(SwarmId.fromBits(1L << 40).value()).isEqualTo("aaaaaaaa");
    assertThat(SwarmId.fromBits(0xFFFFFFFFFFL).value()).isEqualTo("77777777");
    assertThat(SwarmId.fromBits(12345)).isNotEqualTo(SwarmId.fromBits(12346));
  }

  /** Tools and the vr tool must keep deriving the same id for the same name, release after release. */
  @org.junit.jupiter.api.Test
  void aSwarmIdDerivedFromANameIsStable() {
    org.assertj.core.api.Assertions.assertThat(SwarmId.derivedFrom("shop-prod-web")).isEqualTo(SwarmId.of("x27267vu"));
    org.assertj.core.api.Assertions.assertThat(SwarmId.derivedFrom("shop-prod-worker"))
        .isNotEqualTo(SwarmId.derivedFrom("shop-prod-web"));
  }
}
