package io.velociraptor.buildpack;

import io.velociraptor.core.local.LocalExec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Where untrusted buildpack scripts run: as an unprivileged user on the host, or in a container. */
interface ScriptSandbox {

  /** @return a short description for logs ("host user vrbuild") */
  String describe();

  /** @return the STACK value buildpacks see */
  String stack();

  /** Checks, before a build, that the scripts will be able to reach {@code workDir}. */
  void checkReachable(Path workDir) throws IOException;

  /** Makes a tree the scripts' own (they may write there). */
  void handOver(Path tree) throws IOException;

  /**
   * Runs a script.
   *
   * @param argv absolute script path and arguments (host paths)
   * @param env the whole environment
   * @param workDir the working directory
   * @param writable the directories the script may write (the build's work dir, the cache)
   * @param timeout the time limit
   * @param captureStdout return stdout instead of logging it
   * @param log receives output lines
   */
  LocalExec.Result run(List<String> argv, Map<String, String> env, Path workDir,
      List<Path> writable, Duration timeout, boolean captureStdout, Consumer<String> log)
      throws IOException;
}
