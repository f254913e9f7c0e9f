package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
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

  record Result(int exit, String out, String err) {}

  @BeforeEach
  void startSupervisord() throws Exception {
    sup = PrivateSupervisords.start(tmp.resolve("sup"), List.of(Host.builder().name(HostName.of("h1"))
        .address("127.0.0.1").portRange(PortRange.of(20000, 20010)).build()));
    config = tmp.resolve("vr.yaml");
    Files.writeString(config, """
        store_dir: store
        supervisor:
          username: vr
          password: %s
          include_dir: %s
        runner:
          root: %s
          install: false
        hosts:
          - name: h1
            address: 127.0.0.1
            supervisor_port: %d
            port_range: 20000-20010
        squads:
          - name: s
            hosts: [h1]
        """.formatted(sup.password, tmp.resolve("sup/h1/conf.d"), tmp.resolve("apps"), sup.hosts().get(0).supervisorPort()));
  }

  @AfterEach
  void stopSupervisord() {
    sup.close();
  }

  Result vr(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--config";
    all[1] = config.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int exit = VrMain.run(new PrintWriter(out), new PrintWriter(err), all);
    return new Result(exit, out.toString(), err.toString());
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
