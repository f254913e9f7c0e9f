package io.velociraptor.core.remote;

import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.ShellQuoting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns a {@link Command} into the argv or shell line a runner executes. */
final class CommandLines {
  private CommandLines() {}

  /**
   * The argv to execute: the command's own, or wrapped in {@code sudo -n -u <user> --}. Sudo
   * resets the environment, so with sudo the variables are exported by a small {@code sh}
   * wrapper that runs after it; the values travel as quoted words, never as code.
   */
  static List<String> effectiveArgv(Command command) {
    if (command.sudoUser().isEmpty()) {
      return command.argv();
    }
    List<String> argv = new ArrayList<>(List.of("sudo", "-n", "-u", command.sudoUser().get(), "--"));
    if (!command.env().isEmpty()) {
      argv.addAll(List.of("sh", "-c", exports(command.env()) + "exec \"$@\"", "sh"));
    }
    argv.addAll(command.argv());
    return argv;
  }

  /** {@code export NAME='value'; ...} for each variable, in name order. */
  static String exports(Map<String, String> env) {
    StringBuilder s = new StringBuilder();
    env.forEach((name, value) ->
        s.append("export ").append(name).append('=').append(ShellQuoting.quote(value))
            .append("; "));
    return s.toString();
  }
}
