package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.spi.ProgramSpec;
import io.velociraptor.testkit.PropertyRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders specs full of hostile strings and parses the result with Supervisor's own parser: every
 * accepted spec must come back exactly, with only the keys vr wrote, in the one section it wrote.
 */
class ProgramSectionProperties {
  private static final String[] HOSTILE = {
    "[", "]", "[program:evil]", "command=/bin/evil", "%", "%%", "%(", "%(here)s",
    "%(program_name)s", "%(ENV_HOME)s", "%(", ")s", ";", " ;", "#", " #", "\u2003#", "\u00a0;", "\u3000#", "'", "\"",
    "''", "\"\"", "=", ":", ",", " ", "  ", "\\", "\\n", "$HOME", "`id`", "$(id)", "é", "日本語", "🦖",
    "a", "b", "/", "-", "x=y", "K=\"v\"", "environment=A=1", "\u202e", "%(here)", "(here)s",
  };
  /** Pieces no program file can carry: each case has a small chance to get one. */
  private static final String[] UNREPRESENTABLE = {"\n", "\r", "\u0000", "\u007f", "\u0085", "\ud800", "\u2028"};
  private static final java.util.regex.Pattern NEEDS_ESCAPING = java.util.regex.Pattern.compile("[%;#\\[\"']");
  private static final String[] USERS = {"root", "nobody"};

  @TempDir Path logs;

  private static String hostile(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int pieces = r.nextInt(0, 7);
    for (int i = 0; i < pieces; i++) {
      if (r.nextInt(40) == 0) {
        b.append(UNREPRESENTABLE[r.nextInt(UNREPRESENTABLE.length)]);
      } else if (r.nextInt(3) == 0) {
        b.append((char) r.nextInt(0x20, 0x7f));
      } else {
        b.append(HOSTILE[r.nextInt(HOSTILE.length)]);
      }
    }
    return b.toString();
  }

  private ProgramSpec spec(SplittableRandom r, int i) {
    ProgramSpec.Builder b = ProgramSpec.builder().name("prog_" + i + ".v-" + r.nextInt(100));
    List<String> argv = new ArrayList<>();
    argv.add("/bin/" + hostile(r) + "x");
    int n = r.nextInt(0, 4);
    for (int k = 0; k < n; k++) {
      argv.add(hostile(r));
    }
    b.argv(argv);
    if (r.nextBoolean()) {
      b.directory("/" + hostile(r) + "d");
    }
    if (r.nextBoolean()) {
      b.user(USERS[r.nextInt(USERS.length)]);
    }
    Map<String, String> env = new TreeMap<>();
    for (int k = r.nextInt(0, 4); k > 0; k--) {
      env.put("VAR_" + k + (r.nextBoolean() ? "_X" : ""), hostile(r));
    }
    b.environment(env);
    b.autoStart(r.nextBoolean());
    b.autoRestart(ProgramSpec.AutoRestart.values()[r.nextInt(3)]);
    b.exitCodes(r.nextBoolean() ? List.of(0) : List.of(0, r.nextInt(1, 256)));
    b.startSecs(r.nextInt(0, 100)).startRetries(r.nextInt(0, 10));
    b.stopSignal(ProgramSpec.StopSignal.values()[r.nextInt(ProgramSpec.StopSignal.values().length)]);
    b.stopWaitSecs(r.nextInt(0, 100));
    boolean group = r.nextBoolean();
    b.stopAsGroup(group).killAsGroup(group || r.nextBoolean());
    b.redirectStderr(r.nextBoolean());
    if (r.nextBoolean()) {
      b.stdoutLogfile(logs + "/log-" + hostile(r).replace("/", "_") + ".log");
    }
    b.stdoutLogfileMaxBytes(r.nextLong(0, 1L << 40)).stdoutLogfileBackups(r.nextInt(0, 50));
    return b.build();
  }

  @Test
  void supervisorReadsBackExactlyWhatWasRenderedOrTheSpecIsRejectedByName() {
    int cases = Integer.getInteger("vr.property.cases", 1000);
    AtomicInteger counter = new AtomicInteger();
    AtomicInteger accepted = new AtomicInteger();
    AtomicInteger acceptedHostile = new AtomicInteger();
    try (SupervisorParser parser = new SupervisorParser()) {
      PropertyRunner.property("rendered program sections read back exactly")
          .describedBy((ProgramSpec spec) -> spec + " env=" + spec.environment())
          .check((random, size) -> spec(random, counter.incrementAndGet()), spec -> {
            String text;
            try {
              text = ProgramSection.render(spec);
            } catch (InvalidValueException e) {
              assertThat(e.getMessage()).contains(spec.name());
              return;
            }
            accepted.incrementAndGet();
            String values = String.join("", spec.argv()) + spec.environment().values()
                + spec.directory().orElse("") + spec.stdoutLogfile().orElse("");
            if (NEEDS_ESCAPING.matcher(values).find()) {
              acceptedHostile.incrementAndGet();
            }
            JsonNode parsed = parser.parse(text);
            String context = "rendered:\n" + text + "\nsupervisor read: " + parsed;
            assertThat(parsed.has("error")).as(context).isFalse();
            assertSameProgram(spec, parsed, context);
          });
    }
    // the property is only worth something if most cases get through to Supervisor's parser
    assertThat(accepted.get()).as("accepted cases").isGreaterThan(cases / 4);
    assertThat(acceptedHostile.get()).as("accepted cases with characters that need escaping")
        .isGreaterThan(cases / 10);
  }

  static void assertSameProgram(ProgramSpec spec, JsonNode parsed, String context) {
    JsonNode sections = parsed.get("sections");
    assertThat(names(sections.fieldNames())).as(context).containsExactly("program:" + spec.name());
    List<String> expectedKeys = new ArrayList<>(List.of("autorestart", "autostart", "command", "exitcodes",
        "killasgroup", "redirect_stderr", "startretries", "startsecs", "stdout_logfile", "stdout_logfile_backups",
        "stdout_logfile_maxbytes", "stopasgroup", "stopsignal", "stopwaitsecs"));
    spec.directory().ifPresent(d -> expectedKeys.add("directory"));
    spec.user().ifPresent(u -> expectedKeys.add("user"));
    if (!spec.environment().isEmpty()) {
      expectedKeys.add("environment");
    }
    expectedKeys.sort(null);
    List<String> keys = new ArrayList<>();
    sections.get("program:" + spec.name()).forEach(k -> keys.add(k.asText()));
    assertThat(keys).as(context).containsExactlyElementsOf(expectedKeys);

    JsonNode programs = parsed.get("programs");
    assertThat(programs.size()).as(context).isEqualTo(1);
    JsonNode p = programs.get(0);
    assertThat(p.get("name").asText()).as(context).isEqualTo(spec.name());
    List<String> argv = new ArrayList<>();
    p.get("argv").forEach(a -> argv.add(a.asText()));
    assertThat(argv).as(context).containsExactlyElementsOf(spec.argv());
    assertThat(p.get("directory").isNull() ? null : p.get("directory").asText()).as(context)
        .isEqualTo(spec.directory().orElse(null));
    assertThat(p.get("uid").isNull()).as(context).isEqualTo(spec.user().isEmpty());
    Map<String, String> env = new TreeMap<>();
    p.get("environment").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    assertThat(env).as(context).isEqualTo(spec.environment());
    assertThat(p.get("autostart").asBoolean()).as(context).isEqualTo(spec.autoStart());
    assertThat(p.get("autorestart").asText()).as(context).isEqualTo(spec.autoRestart().name());
    List<Integer> codes = new ArrayList<>();
    p.get("exitcodes").forEach(c -> codes.add(c.asInt()));
    assertThat(codes).as(context).containsExactlyElementsOf(spec.exitCodes());
    assertThat(p.get("startsecs").asInt()).as(context).isEqualTo(spec.startSecs());
    assertThat(p.get("startretries").asInt()).as(context).isEqualTo(spec.startRetries());
    assertThat(p.get("stopsignal").asInt()).as(context).isEqualTo(spec.stopSignal().number());
    assertThat(p.get("stopwaitsecs").asInt()).as(context).isEqualTo(spec.stopWaitSecs());
    assertThat(p.get("stopasgroup").asBoolean()).as(context).isEqualTo(spec.stopAsGroup());
    assertThat(p.get("killasgroup").asBoolean()).as(context).isEqualTo(spec.killAsGroup());
    assertThat(p.get("redirect_stderr").asBoolean()).as(context).isEqualTo(spec.redirectStderr());
    assertThat(p.get("stdout_logfile").asText()).as(context).isEqualTo(spec.stdoutLogfile().orElse("AUTO"));
    assertThat(p.get("stdout_logfile_maxbytes").asLong()).as(context).isEqualTo(spec.stdoutLogfileMaxBytes());
    assertThat(p.get("stdout_logfile_backups").asInt()).as(context).isEqualTo(spec.stdoutLogfileBackups());
  }

  private static List<String> names(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
