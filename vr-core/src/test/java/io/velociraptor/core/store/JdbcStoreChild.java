package io.velociraptor.core.store;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.PortTakenException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A separate JVM that works on a {@link JdbcStore}, for the cross-process tests. The password
 * comes in the environment ({@code VR_PG_PASSWORD}), never on the command line.
 *
 * <ul>
 *   <li>{@code hold <url> <user> <lease s> <swarm>}: begins a run of the swarm as an owner on
 *       another machine, locks ports 6000-6002 for it, prints {@code holding <run id>} and waits
 *       (renewing the run's lease) until killed or its input ends.
 *   <li>{@code dispatch <url> <user> <lease s> <swarm>...}: for each swarm begins a run and
 *       reserves 3 ports of host-a in [7000, 7200) that no lock holds (racing the other
 *       processes: a taken port means choose again), printing {@code got <swarm> <run id>
 *       <port,port,port>}; then {@code ready}; on a line of input finishes the runs and prints
 *       {@code done}.
 * </ul>
 */
public final class JdbcStoreChild {
  static final HostName HOST = HostName.of("host-a");

  private JdbcStoreChild() {}

  /**
   * @param args the mode and its arguments
   * @throws Exception on any failure (the exit code says so)
   */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (JdbcStore store = JdbcStore.builder().url(args[1]).user(args[2]).password(System.getenv("VR_PG_PASSWORD"))
        .staleAfter(Duration.ofSeconds(Long.parseLong(args[3]))).poolSize(2).open()) {
      switch (args[0]) {
        case "hold" -> hold(store, out, in, SwarmId.of(args[4]));
        case "dispatch" -> dispatch(store, out, in, List.of(args).subList(4, args.length));
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    }
  }

  private static void hold(JdbcStore store, PrintStream out, BufferedReader in, SwarmId swarm) throws Exception {
    ProcessHandle self = ProcessHandle.current();
    SwarmRun.Owner elsewhere = new SwarmRun.Owner("machine-a", "boot-of-machine-a", self.pid(), Optional.empty());
    SwarmRun run = ((BeginRun.Started) store.tryBeginRun(swarm, "hold", elsewhere)).run();
    store.reserve(HOST, List.of(Port.of(6000), Port.of(6001), Port.of(6002)), run.id());
    out.println("holding " + run.id());
    while (in.readLine() != null) {
      // wait to be killed
    }
  }

  private static void dispatch(JdbcStore store, PrintStream out, BufferedReader in, List<String> swarms)
      throws Exception {
    List<SwarmRun> runs = new ArrayList<>();
    for (String s : swarms) {
      BeginRun begun = store.tryBeginRun(SwarmId.of(s), "dispatch", RunOwners.current());
      SwarmRun run = ((BeginRun.Started) begun).run();
      runs.add(run);
      for (int attempt = 1; ; attempt++) {
        Set<Integer> held = store.portLocks().stream().filter(l -> l.host().equals(HOST))
            .map(l -> l.port().value()).collect(Collectors.toSet());
        List<Port> want = new ArrayList<>();
        for (int p = 7000; p < 7200 && want.size() < 3; p++) {
          if (!held.contains(p)) {
            want.add(Port.of(p));
          }
        }
        try {
          TreeSet<Integer> got = new TreeSet<>();
          for (PortLock l : store.reserve(HOST, want, run.id())) {
            got.add(l.port().value());
          }
          out.println("got " + s + " " + run.id() + " "
              + got.stream().map(String::valueOf).collect(Collectors.joining(",")));
          break;
        } catch (PortTakenException raced) {
          if (attempt >= 1000) {
            throw raced;
          }
        }
      }
    }
    out.println("ready");
    in.readLine();
    for (SwarmRun run : runs) {
      store.release(run.id());
      store.transition(run.id(), RunState.DONE, "dispatched");
    }
    out.println("done");
  }
}
