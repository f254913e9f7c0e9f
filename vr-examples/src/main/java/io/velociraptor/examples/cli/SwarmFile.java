package io.velociraptor.examples.cli;

import io.velociraptor.core.json.SwarmFileFormat;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.spi.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A swarm file (YAML): the swarm's wire form ({@code app, version, config, proc, squad, size,
 * one_per_host, pool, balancer, env, settings, volumes, run_as, mem_limit, memsw_limit,
 * ingredients}) plus an optional stable {@code id} and, for offline plans, {@code release_hash}.
 *
 * <p>Without an id, the stored swarm with the same name ({@code app-config-proc}) keeps its id;
 * a new swarm gets one derived from its name. Give the id in the file to keep it across renames.
 *
 * @param swarm the swarm
 * @param releaseHash the release hash given in the file, for planning without a build
 * @param idGiven whether the file named the id
 */
public record SwarmFile(Swarm swarm, Optional<ReleaseHash> releaseHash, boolean idGiven) {
  static SwarmFile read(Path file, Optional<Store> store) {
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(name, "the swarm file", "does not exist");
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new ConfigException(name, "the swarm file", "is not UTF-8 text (a YAML swarm file is expected)");
    } catch (IOException e) {
      throw new ConfigException(name, "the swarm file", "cannot be read: " + e.getMessage());
    }
    return parse(name, text, store);
  }

  /**
   * Reads a swarm file's text (YAML, or JSON, which YAML reads too).
   *
   * @param name where the text comes from, for messages ({@code swarm.yaml}, {@code the request body})
   * @param text the text
   * @param store the store whose swarm of the same name keeps its id, if any
   * @return the swarm file
   * @throws ConfigException naming the source, the field and the problem
   */
  public static SwarmFile parse(String name, String text, Optional<Store> store) {
    try {
      SwarmFileFormat.Parsed p = SwarmFileFormat.parse(text, swarmName -> store.flatMap(s -> s.swarms().stream()
          .filter(x -> x.name().equals(swarmName)).findFirst()).map(Swarm::id));
      return new SwarmFile(p.swarm(), p.releaseHash(), p.idGiven());
    } catch (SwarmFileFormat.Invalid e) {
      throw new ConfigException(name, e.field(), e.problem());
    }
  }

  /** A stable id from the swarm's name, so re-running a file without an id is idempotent. */
  static SwarmId derivedId(String swarmName) {
    return SwarmId.derivedFrom(swarmName);
  }
}
