package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hosts that would be one supervisord, or hand out the same ports, are refused at load. */
class VrConfigHostConflictsTest {
  @TempDir
  Path dir;

  private VrConfig load(String hosts) throws IOException {
    Path file = dir.resolve("vr.yaml");
    Files.writeString(file, "store_dir: store\nhosts:\n" + hosts);
    return VrConfig.load(file);
  }

  private static String host(String name, String address, int supPort, String range) {
    return "  - name: " + name + "\n    address: \"" + address + "\"\n    supervisor_port: " + supPort
        + "\n    port_range: " + range + "\n";
  }

  @Test
  void twoHostsWithOneAddressSupervisorPortAndIncludeDirAreRefusedNamingBoth() {
    assertThatThrownBy(() -> load(host("h1", "127.0.0.1", 9001, "5000-5010") + host("h2", "127.0.0.1", 9001, "5010-5020")))
        .hasMessageContaining("hosts[1].name").hasMessageContaining("h1").hasMessageContaining("h2")
        .hasMessageContaining("supervisor_port 9001");
  }

  @Test
  void overlappingPortRangesOnOneAddressAreRefusedNamingBoth() {
    assertThatThrownBy(() -> load(host("h1", "127.0.0.1", 9001, "5000-5010") + host("h2", "127.0.0.1", 9002, "5005-5020")))
        .hasMessageContaining("h1").hasMessageContaining("h2").hasMessageContaining("5000-5010")
        .hasMessageContaining("5005-5020").hasMessageContaining("overlaps");
  }

  @Test
  void disjointRangesOnOneAddressAndOverlapsOnOtherAddressesAreFine() throws IOException {
    VrConfig c = load(host("h1", "127.0.0.1", 9001, "5000-5010") + host("h2", "127.0.0.1", 9002, "5010-5020")
        + host("h3", "10.0.0.3", 9001, "5000-5010"));
    assertThat(c.fleet().hosts()).hasSize(3);
  }

  @Test
  void aPortRangeHoldingTheSupervisorPortIsRefused() {
    assertThatThrownBy(() -> load(host("h1", "127.0.0.1", 9001, "9000-9010")))
        .hasMessageContaining("hosts[0].port_range").hasMessageContaining("9000-9010")
        .hasMessageContaining("supervisor_port 9001");
  }

  @Test
  void anAddressWithAPortOrAnEmptyLabelIsRefusedNamingIt() {
    assertThatThrownBy(() -> load(host("h1", "127.0.0.1:80", 9001, "5000-5010")))
        .hasMessageContaining("hosts[0].address").hasMessageContaining("\"127.0.0.1:80\" is not a valid host address");
    assertThatThrownBy(() -> load(host("h1", "a..b", 9001, "5000-5010")))
        .hasMessageContaining("hosts[0].address").hasMessageContaining("\"a..b\" is not a valid host address");
  }

  @Test
  void hostNamesIpv4AndIpv6AddressesAreAccepted() throws IOException {
    VrConfig c = load(host("h1", "node-1.example.org", 9001, "5000-5010") + host("h2", "::1", 9001, "5000-5010")
        + host("h3", "10.1.2.3", 9001, "5000-5010"));
    assertThat(c.fleet().hosts()).hasSize(3);
  }
}
