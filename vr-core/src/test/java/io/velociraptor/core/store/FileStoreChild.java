package io.velociraptor.core.store;

import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.spi.BeginRun;
import io.velociraptor.core.spi.PortTakenException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * A separate JVM that works on a {@link FileStore}, for the crash and cross-process tests.
 *
 * <ul>
 *   <li>{@code churn <dir>}: writes forever (apps whose every env value carries the write's
 *       number, port locks, runs), printing {@code wrote <n>} after each write, until killed.
 *   <li>{@code reserve <dir> <owner> <first port> <count>}: tries to lock each port alone,
 *       printing {@code got <port>} for each it gets.
 * </ul>
 */
public final class FileStoreChild {
  static final HostName HOST = HostName.of("host-a");
  /** Env entries per app: makes each record ~40 KB, so a kill often lands mid-write. */
  static final int ENV_SIZE = 2000;

  private FileStoreChild() {}

  /**
   * @param args the mode and its arguments
   * @throws IOException never in practice
   */
  public static void main(String[] args) throws IOException {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    try (FileStore store = FileStore.open(Path.of(args[1]))) {
      switch (args[0]) {
        case "churn" -> churn(store, out);
        case "reserve" -> reserve(store, out, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    }
  }

  static App app(long n) {
    TreeMap<String, String> env = new TreeMap<>();
    for (int j = 0; j < ENV_SIZE; j++) {
      env.put("K" + j, n + "-" + j);
    }
    return App.builder().name(AppName.of("app" + (n % 4))).buildEnv(Env.of(env)).build();
  }

  private static void churn(FileStore store, PrintStream out) {
    SwarmId swarm = SwarmId.of("churnabc");
    for (long n = 1; ; n++) {
      store.putApp(app(n));
      String owner = "owner-" + (n % 3);
      try {
        store.reserve(HOST, Set.of(Port.of(1000 + (int) (n % 50))), owner);
      } catch (PortTakenException e) {
        store.release(owner);
      }
      if (store.tryBeginRun(swarm, "t" + n, RunOwners.current()) instanceof BeginRun.Started s) {
        store.transition(s.run().id(), n % 2 == 0 ? RunState.DONE : RunState.FAILED, "end " + n);
      }
      out.println("wrote " + n);
    }
  }

  private static void reserve(FileStore store, PrintStream out, String owner, int first, int count) {
    for (int port = first; port < first + count; port++) {
      try {
        store.reserve(HOST, List.of(Port.of(port)), owner);
        out.println("got " + port);
      } catch (PortTakenException e) {
        // the other process has it
      }
    }
  }
}
