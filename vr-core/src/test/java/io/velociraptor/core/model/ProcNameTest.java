package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcNameTest {
  @Test
  void parsesOurSevenFieldNames() {
    ProcName name = ProcName.parse("shop-v2-prod-0123456789ab-web-5003-abcdefgh");
    assertThat(name).isInstanceOfSatisfying(ProcName.Ours.class, o -> {
      assertThat(o.app()).isEqualTo(AppName.of("shop"));
      assertThat(o.versionName()).isEqualTo("v2");
      assertThat(o.config()).isEqualTo(ConfigName.of("prod"));
      assertThat(o.hash()).isEqualTo(ReleaseHash.of("0123456789ab"));
      assertThat(o.procType()).isEqualTo(ProcTypeName.of("web"));
      assertThat(o.port()).contains(Port.of(5003));
      assertThat(o.swarmId()).isEqualTo(SwarmId.of("abcdefgh"));
    });
    assertThat(name.kind()).isEqualTo(ProcName.Kind.OURS);
  }

  @Test
  void parsesTheOriginalsSixFieldNamesAsLegacy() {
    ProcName name = ProcName.parse("node_example-v2-local-f96054b7-web-5003");
    assertThat(name).isInstanceOfSatisfying(ProcName.Legacy.class, l -> {
      assertThat(l.app()).isEqualTo(AppName.of("node_example"));
      assertThat(l.versionName()).isEqualTo("v2");
      assertThat(l.config()).isEqualTo(ConfigName.of("local"));
      assertThat(l.hash()).isEqualTo("f96054b7");
      assertThat(l.procType()).isEqualTo(ProcTypeName.of("web"));
      assertThat(l.port()).contains(Port.of(5003));
    });
  }

  @Test
  void treatsEverythingElseAsForeignWithNoPort() {
    for (String text : new String[] {"dummyproc", "app-release-1.0-cfg-f96054b7-web-5003", "a-b-c-d-e-0",
        "a-b-c-d-e-05003", "a-b-c-d-e-70000", "a-b-c-0123456789ab-web-5000-ABCDEFGH", "a-b-c--web-5000",
        "my app-v1-c-f96054b7-web-5000", "x-y", "eventlistener:vr"}) {
      ProcName name = ProcName.parse(text);
      assertThat(name.kind()).as(text).isEqualTo(ProcName.Kind.FOREIGN);
      assertThat(name.port()).as(text).isEmpty();
      assertThat(name.format()).isEqualTo(text);
    }
  }

  @Test
  void formatsWithTheVersionsNameForm() {
    ProcName.Ours name = ProcName.of(AppName.of("shop"), Version.of("release-1.0/rc 1"), ConfigName.of("prod"),
        ReleaseHash.of("0123456789ab"), ProcTypeName.of("web"), Port.of(5000), SwarmId.of("abcdefgh"));
    assertThat(name.format()).isEqualTo("shop-release_1.0_rc_1-prod-0123456789ab-web-5000-abcdefgh");
    assertThat(ProcName.parse(name.format())).isEqualTo(name);
  }

  @Test
  void ordersOurNamesAsTheirTextsEvenWherePortsAndPrefixesDisagreeWithNumbers() {
    java.util.List<String> texts = java.util.List.of(
        "shop-1-prod-abcdef12-web-9-aaaaaaaa", "shop-1-prod-abcdef12-web-10-aaaaaaaa",
        "shop-1-prod-abcdef12-web-5000-aaaaaaaa", "shop-1-prod-abcdef12-web-600-aaaaaaaa",
        "shop-1-prod-abcdef12-web-65535-aaaaaaaa", "shop-1-prod-abcdef12-web-6553-aaaaaaaa",
        "shop-1-prod-abcdef12-web-100-aaaaaaaa", "shop-1-prod-abcdef12-web-99-aaaaaaaa",
        "shop.x-1-prod-abcdef12-web-9-aaaaaaaa", "shopx-1-prod-abcdef12-web-9-aaaaaaaa",
        "shop-1.0-prod-abcdef12-web-9-aaaaaaaa", "shop-1_0-prod-abcdef12-web-9-aaaaaaaa",
        "shop-1-prod-abcdef12-web-9-aaaaaaab", "shop-1-prod-abcdef12-web_2-9-aaaaaaaa");
    java.util.List<ProcName> names = new java.util.ArrayList<>(texts.stream().map(ProcName::parse).toList());
    assertThat(names).allMatch(n -> n.kind() == ProcName.Kind.OURS);
    java.util.Collections.reverse(names);
    java.util.Collections.sort(names);
    assertThat(names).extracting(ProcName::format).isEqualTo(texts.stream().sorted().toList());
  }

  @Test
  void rejectsAnEmptyProgramName() {
    assertThatThrownBy(() -> ProcName.parse("")).hasMessageContaining("program name");
  }
}
