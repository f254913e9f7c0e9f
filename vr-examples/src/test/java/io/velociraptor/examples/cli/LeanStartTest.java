package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A command line that names its subcommand gets only that one (picocli builds the model of each
 * command it is given); everything else, help above all, gets every subcommand, and what is
 * printed is the same either way.
 */
class LeanStartTest {
  @Test
  void theSubcommandIsFoundPastTheRootOptionsAndTheirValues() {
    assertThat(VrMain.subcommandNamed("procs")).contains(Commands.Procs.class);
    assertThat(VrMain.subcommandNamed("--json", "procs", "--host", "h1")).contains(Commands.Procs.class);
    assertThat(VrMain.subcommandNamed("--config", "procs", "swarms")).as("procs is the config file's name here")
        .contains(Commands.Swarms.class);
    assertThat(VrMain.subcommandNamed("--config=x.yaml", "--server", "http://h:1", "--debug", "swarm", "show", "a"))
        .contains(Commands.SwarmCmd.class);
    assertThat(VrMain.subcommandNamed("logs", "s")).contains(LogsCommand.class);
  }

  @Test
  void helpVersionUnknownWordsAndUnknownOptionsGetEverySubcommand() {
    for (String[] args : new String[][] {{}, {"--help"}, {"-h"}, {"--version"}, {"help", "procs"}, {"nosuch"},
        {"--nosuch", "procs"}, {"--", "procs"}, {"--config"}}) {
      assertThat(VrMain.subcommandNamed(args)).as(String.join(" ", args)).isEmpty();
    }
  }

  @Test
  void everySubcommandIsFoundByItsNameAndHelpListsThemAll() {
    CommandLine full = VrMain.commandLine(new VrMain(), Optional.empty());
    assertThat(full.getSubcommands()).hasSize(VrMain.SUBCOMMANDS.size());
    full.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help")) {
        assertThat(VrMain.subcommandNamed(name)).as(name).contains(sub.getCommand().getClass());
      }
    });
    StringWriter out = new StringWriter();
    assertThat(VrMain.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "--help")).isZero();
    for (String name : full.getSubcommands().keySet()) {
      assertThat(out.toString()).contains("  " + name);
    }
  }

  @Test
  void aSubcommandsHelpIsTheSameWithOnlyItAsWithEveryOne() {
    for (String name : new String[] {"procs", "logs", "dispatch", "swarm"}) {
      StringWriter lean = new StringWriter();
      VrMain.run(new PrintWriter(lean), new PrintWriter(new StringWriter()), name, "--help");
      CommandLine full = VrMain.commandLine(new VrMain(), Optional.empty());
      StringWriter whole = new StringWriter();
      full.setOut(new PrintWriter(whole));
      full.execute(name, "--help");
      assertThat(lean.toString()).as(name).isEqualTo(whole.toString()).contains("Usage: vr " + name);
    }
  }
}
