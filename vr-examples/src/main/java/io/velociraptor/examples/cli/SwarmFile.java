package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import io.velociraptor.core.json.InvalidInputException;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.spi.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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
record SwarmFile(Swarm swarm, Optional<ReleaseHash> releaseHash, boolean idGiven) {
  private static final Set<String> KEYS = new TreeSet<>(List.of("id", "app", "version", "config", "proc", "proc_type",
      "squad", "size", "one_per_host", "pool", "balancer", "env", "settings", "volumes", "run_as", "mem_limit",
      "memsw_limit", "ingredients", "release_hash"));

  @SuppressWarnings("unchecked")
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
    Object tree;
    try {
      tree = VrJson.readYaml(text, Object.class);
    } catch (VrException e) {
      throw new ConfigException(name, "the document", "is not valid YAML: " + e.getMessage());
    }
    if (!(tree instanceof Map)) {
      throw new ConfigException(name, "the document", "must be a mapping of swarm fields (app, version, config, proc, squad...)");
    }
    Map<String, Object> map = new LinkedHashMap<>((Map<String, Object>) tree);
    for (String k : new TreeSet<>(map.keySet())) {
      if (!KEYS.contains(k)) {
        throw new ConfigException(name, k, "is not a swarm field (known: " + String.join(", ", KEYS) + ")");
      }
    }
    if (map.containsKey("proc") && map.containsKey("proc_type")) {
      throw new ConfigException(name, "proc", "and proc_type name the same thing: give one");
    }
    if (map.containsKey("proc")) {
      map.put("proc_type", map.remove("proc"));
    }
    for (String required : List.of("app", "version", "config", "proc_type", "squad")) {
      if (map.get(required) == null) {
        throw new ConfigException(name, required.equals("proc_type") ? "proc" : required, "is required");
      }
    }
    Optional<ReleaseHash> hash = Optional.empty();
    Object h = map.remove("release_hash");
    if (h != null) {
      try {
        hash = Optional.of(ReleaseHash.of(String.valueOf(h)));
      } catch (VrException e) {
        throw new ConfigException(name, "release_hash", "\"" + h + "\" is not valid: " + e.getMessage());
      }
    }
    boolean idGiven = map.get("id") != null;
    String swarmName = map.get("app") + "-" + map.get("config") + "-" + map.get("proc_type");
    if (!idGiven) {
      String id = store.flatMap(s -> s.swarms().stream().filter(x -> x.name().equals(swarmName)).findFirst())
          .map(x -> x.id().value()).orElseGet(() -> derivedId(swarmName).value());
      map.put("id", id);
    }
    try {
      return new SwarmFile(VrJson.readJson(VrJson.writeJson(map), Swarm.class), hash, idGiven);
    } catch (InvalidInputException e) {
      throw new ConfigException(name, e.path().isEmpty() ? checkedKey(e) : e.path().replace("proc_type", "proc"),
          "is not valid: " + e.getMessage());
    } catch (VrException e) {
      throw new ConfigException(name, "the swarm", "is not valid: " + e.getMessage());
    }
  }

  /**
   * The key a whole-swarm check was about: those checks run after every field is read, so Jackson
   * knows no path, but their error names the model's field.
   */
  private static String checkedKey(InvalidInputException e) {
    return VrMain.cause(e, io.velociraptor.core.model.InvalidValueException.class)
        .map(v -> CHECKED_FIELDS.get(v.field())).orElse("a field");
  }

  private static final java.util.Map<String, String> CHECKED_FIELDS = java.util.Map.of("run-as user", "run_as",
      "swarm size", "size", "swarm pool", "pool", "config ingredient", "ingredients",
      "volume container dir", "volumes", "memsw limit", "memsw_limit");

  /** A stable id from the swarm's name, so re-running a file without an id is idempotent. */
  static SwarmId derivedId(String swarmName) {
    return SwarmId.derivedFrom(swarmName);
  }
}
