package io.velociraptor.examples.cli;

import io.velociraptor.core.deploy.SwarmLogs;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.Swarm;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vr logs SWARM}: the logs of every proc of a swarm across its hosts, each line prefixed with
 * its host and proc; {@code --follow} keeps printing, procs a dispatch starts join and the ones it
 * retires end.
 */
@Command(name = "logs", mixinStandardHelpOptions = true,
    description = {"Print the end of the log of every proc of a swarm, across its hosts, each line prefixed with host and proc.",
        "--follow keeps printing as they write: procs a dispatch starts join, retired ones end. Lines carry no clock"
            + " of their own, so they are merged in the order they are read."})
final class LogsCommand extends Commands.FleetCommand {
  /**
   * One JSON object per line (the shared mapper indents); in a holder, so that making every
   * command's object at start-up does not start Jackson for commands that print no JSON.
   */
  private static final class Json {
    static final com.fasterxml.jackson.databind.ObjectWriter LINE = io.velociraptor.core.json.VrJson.json()
        .writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
  }

  @Parameters(paramLabel = "SWARM", description = "the swarm's name (app-config-proc) or id")
  String name;

  @Option(names = {"-f", "--follow"}, description = "keep printing new lines until interrupted")
  boolean follow;

  @Option(names = "--follow-seconds", paramLabel = "N", description = "with --follow: stop after N seconds")
  Long followSeconds;

  @Option(names = "--proc", paramLabel = "PROC", description = "only this proc (its program name, as `vr procs` lists it)")
  String proc;

  @Option(names = "--drain", paramLabel = "URL",
      description = "also send every line to this syslog receiver: syslog+tcp://HOST:PORT (or syslog://), syslog+udp://HOST:PORT")
  java.util.List<String> drains = new java.util.ArrayList<>();

  @Option(names = "--bytes", defaultValue = "16384", paramLabel = "N",
      description = "how much of the end of each log to print first (default ${DEFAULT-VALUE})")
  int bytes;

  @Override
  int run(VrConfig config, Fleet fleet) throws Exception {
    if (followSeconds != null && followSeconds < 1) {
      throw InvalidValueException.of("--follow-seconds", followSeconds, "must be at least 1");
    }
    if (followSeconds != null && !follow) {
      throw InvalidValueException.of("--follow-seconds", followSeconds, "works only with --follow");
    }
    if (bytes < 1) {
      throw InvalidValueException.of("--bytes", bytes, "must be at least 1");
    }
    Optional<ProcName> only = Optional.ofNullable(proc).map(ProcName::parse);
    if (only.isPresent() && !(only.get() instanceof ProcName.Ours)) {
      throw InvalidValueException.of("--proc", proc, "is not the program name of a vr proc (`vr procs` lists them)");
    }
    Swarm swarm = swarmByNameOrId(fleet, name);
    List<Host> hosts = fleet.config.squad(swarm.squad())
        .orElseThrow(() -> InvalidValueException.of("squad", swarm.squad(), "of swarm " + swarm.name()
            + " is not in the config"))
        .hosts().stream().map(fleet.config::host).toList();
    SwarmLogs logs = SwarmLogs.builder().procs(fleet.procs).observer(fleet.observer).hosts(hosts).swarm(swarm.id())
        .only(p -> only.map(p::equals).orElse(true)).tailBytes(bytes).build();
    PrintWriter err = spec.commandLine().getErr();
    List<io.velociraptor.core.logs.SyslogDrain> open = new java.util.ArrayList<>();
    try {
      for (String d : drains) {
        open.add(io.velociraptor.core.logs.SyslogDrain.open(d));
      }
      return follow(swarm, logs, only, err, open);
    } finally {
      for (io.velociraptor.core.logs.SyslogDrain d : open) {
        d.close(); // delivers what is queued
        if (d.dropped() > 0) {
          err.println("-- log drain " + d.describe() + " dropped " + d.dropped() + " line(s): the receiver was down or slow");
          err.flush();
        }
      }
    }
  }

  private int follow(Swarm swarm, SwarmLogs logs, Optional<ProcName> only, PrintWriter err,
      List<io.velociraptor.core.logs.SyslogDrain> drainsOpen) throws InterruptedException {
    SwarmLogs.Sink sink = new SwarmLogs.Sink() {
      @Override
      public void line(SwarmLogs.Line l) {
        for (io.velociraptor.core.logs.SyslogDrain d : drainsOpen) {
          d.send(new io.velociraptor.core.spi.LogDrain.Record(l.readAt(), l.host().value(), swarm.name(),
              l.proc().format(), l.text()));
        }
        try {
          print(l);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }

      private void print(SwarmLogs.Line l) throws com.fasterxml.jackson.core.JsonProcessingException {
        if (json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("host", l.host().value());
          m.put("proc", l.proc().format());
          m.put("line", l.text());
          m.put("read_at", l.readAt().toString());
          out().println(Json.LINE.writeValueAsString(m));
        } else {
          out().println(l.host() + " " + l.proc().format() + " | " + l.text());
        }
        out().flush();
      }

      @Override
      public void joined(HostName host, ProcName p) {
        if (follow) {
          event(host, p, "joined", "joined");
        }
      }

      @Override
      public void ended(HostName host, ProcName p) {
        event(host, p, "ended", "ended");
      }

      @Override
      public void skipped(HostName host, ProcName p) {
        event(host, p, "skipped", "wrote faster than it was read: lines skipped");
      }

      /** A proc joining, ending or skipping, in the stream of lines: text for people, an object with --json. */
      private void event(HostName host, ProcName p, String kind, String text) {
        if (json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("host", host.value());
          m.put("proc", p.format());
          m.put("event", kind);
          try {
            out().println(Json.LINE.writeValueAsString(m));
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e);
          }
        } else {
          out().println("-- " + host + " " + p.format() + " " + text);
        }
        out().flush();
      }

      @Override
      public void problem(HostName host, String message) {
        note("-- " + host + ": " + message);
      }

      private void note(String text) {
        err.println(text);
        err.flush();
      }
    };
    int n = logs.backlog(sink);
    if (only.isPresent() && n == 0) {
      throw InvalidValueException.of("--proc", proc, "is not a proc of swarm " + swarm.name() + " now (`vr procs --swarm "
          + swarm.name() + "` lists them)");
    }
    if (!follow) {
      if (n == 0) {
        err.println("swarm " + swarm.name() + " has no procs running" + only.map(p -> " named " + p.format()).orElse(""));
        err.flush();
      }
      return VrMain.OK;
    }
    Optional<Instant> deadline = Optional.ofNullable(followSeconds).map(s -> Instant.now().plusSeconds(s));
    logs.follow(sink, Duration.ofMillis(500), Duration.ofSeconds(2), deadline);
    return VrMain.OK;
  }
}
