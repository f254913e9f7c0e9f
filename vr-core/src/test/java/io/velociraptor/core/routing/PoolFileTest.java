package io.velociraptor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PoolFileTest {
  private static final PoolName WEB = PoolName.of("web-1.prod");

  private static SortedSet<PoolMember> members(String... text) {
    TreeSet<PoolMember> out = new TreeSet<>();
    for (String t : text) {
      out.add(PoolMember.parse(t));
    }
    return out;
  }

  @Test
  void rendersOneUpstreamWithOneServerLinePerMemberSorted() {
    assertThat(PoolFile.render("default", WEB, members("10.0.0.6:5003", "10.0.0.5:5001", "[::1]:80")))
        .isEqualTo("""
            # written by vr: pool web-1.prod of balancer default; do not edit
            upstream web-1.prod {
              server 10.0.0.5:5001;
              server 10.0.0.6:5003;
              server [::1]:80;
            }
            """);
  }

  @Test
  void anEmptyPoolGetsTheDownPlaceholderBecauseNginxRefusesAnEmptyUpstream() {
    String text = PoolFile.render("default", WEB, new TreeSet<>());
    assertThat(text).contains("  server 127.0.0.1:1 down;\n");
    assertThat(PoolFile.parse(WEB, text).members()).isEmpty();
    assertThat(PoolFile.parse(WEB, text).problem()).isEmpty();
  }

  @Test
  void whatIsRenderedParsesBackToTheSameMembers() {
    SortedSet<PoolMember> m = members("a.example.com:1", "b:65535", "[2001:db8::1]:8080");
    PoolFile.Parsed parsed = PoolFile.parse(WEB, PoolFile.render("default", WEB, m));
    assertThat(parsed.problem()).isEmpty();
    assertThat(parsed.members()).isEqualTo(m);
  }

  @Test
  void aFileVrWouldNotWriteIsReportedNotGuessedAt() {
    String ours = PoolFile.render("default", WEB, members("a:1"));
    assertThat(PoolFile.parse(WEB, "upstream web-1.prod {\n  server a:1;\n}\n").problem())
        .hasValueSatisfying(p -> assertThat(p).contains("header"));
    assertThat(PoolFile.parse(WEB, ours.replace("server a:1;", "server a:1 weight=5;")).problem()).isPresent();
    assertThat(PoolFile.parse(WEB, ours.replace("}\n", "  keepalive 8;\n}\n")).problem())
        .hasValueSatisfying(p -> assertThat(p).contains("keepalive"));
    assertThat(PoolFile.parse(WEB, ours.replace("}\n", "")).problem())
        .hasValueSatisfying(p -> assertThat(p).contains("not closed"));
    assertThat(PoolFile.parse(WEB, ours + "server { listen 80; }\n").problem()).isPresent();
    assertThat(PoolFile.parse(PoolName.of("other"), ours).problem())
        .hasValueSatisfying(p -> assertThat(p).contains("upstream other"));
  }
}
