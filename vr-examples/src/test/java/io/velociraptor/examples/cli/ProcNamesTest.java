package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.examples.cli.CliConfigFixture.Result;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vr proc ACTION HOST PROC} for a program the host's supervisord does not know: exit 2
 * naming the proc (it is the operator's mistake), not exit 3. A real private supervisord, vr run
 * in-process.
 */
class ProcNamesTest {
  @TempDir Path tmp;
  PrivateSupervisords sup;
  Path config;

  @BeforeEach
  void startSupervisord() throws Exception {
    sup = PrivateSupervisords.start(tmp.resolve("sup"), List.of(Host.builder().name(HostName.of("h1"))
        .address("127.0.0.1").portRange(PortRange.of(20000, 20010)).build()));
    config = CliConfigFixture.in(tmp).supervisor(sup.password, tmp.resolve("sup/h1/conf.d"))
        .supervisorPort(sup.hosts().get(0).supervisorPort()).portRange("20000-20010").write();
  }

  @AfterEach
  void stopSupervisord() {
    sup.close();
  }

  Result vr(String... args) {
    return CliConfigFixture.vr(config, args);
  }

  @Test
  void anUnknownProcExits2NamingIt() {
    for (String action : List.of("stop", "start", "restart", "logs")) {
      Result r = vr("proc", action, "h1", "nosuch");
      assertThat(r.exit()).as(action + ": " + r).isEqualTo(VrMain.INVALID);
      assertThat(r.err()).as(action).contains("nosuch").contains("is not a program on host h1");
    }
    Result json = vr("--json", "proc", "stop", "h1", "nosuch");
    Map<?, ?> m = VrJson.readJson(json.err(), Map.class);
    assertThat(m.get("exit_code")).isEqualTo(VrMain.INVALID);
    assertThat((String) m.get("error")).contains("nosuch");
  }

  @Test
  void theHostIsReachedSoProcsSaysSo() {
    Map<?, ?> m = VrJson.readJson(vr("--json", "procs").out(), Map.class);
    assertThat((List<?>) m.get("hosts")).singleElement()
        .satisfies(h -> assertThat(((Map<?, ?>) h).get("reachable")).isEqualTo(true));
  }
}
