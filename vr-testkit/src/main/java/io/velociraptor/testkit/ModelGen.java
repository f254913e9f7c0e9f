package io.velociraptor.testkit;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.ConfigIngredient;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.IngredientName;
import io.velociraptor.core.model.MemoryLimit;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Settings;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.model.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Generators of model values: names, program names, settings, env, volumes and swarms. */
public final class ModelGen {
  /** Characters allowed in names that go into program names. */
  public static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
  /** Characters of anything a person might type, including the hostile ones. */
  public static final String ANY_CHARS = NAME_CHARS + "-/ :%;'\"\\$`\n\t#[]{}()é日🦖";
  private static final String HEX = "0123456789abcdef";
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  private ModelGen() {}

  /**
   * Strings of 1 to {@code max} letters, digits, underscores and dots (never only dots), the length
   * scaled down by size, valid in program names.
   *
   * @param max the longest
   * @return text valid as a name that goes into program names (not only dots)
   */
  public static Gen<String> nameText(int max) {
    return Gen.strings(NAME_CHARS, 1, max).filter(s -> !s.chars().allMatch(c -> c == '.'));
  }

  /** Valid app names. */
  public static Gen<AppName> appNames() {
    return nameText(20).map(AppName::of);
  }

  /** Valid config names. */
  public static Gen<ConfigName> configNames() {
    return nameText(12).map(ConfigName::of);
  }

  /** Valid proc type names. */
  public static Gen<ProcTypeName> procTypes() {
    return Gen.frequency(Gen.oneOf("web", "worker", "clock").map(ProcTypeName::of),
        nameText(10).map(ProcTypeName::of));
  }

  /** Free-text versions, often with dashes and slashes. */
  public static Gen<Version> versions() {
    return Gen.frequency(
        Gen.oneOf("v1", "1.0", "release-1.0", "feature/x", "v2 beta", "ü-1").map(Version::of),
        Gen.strings(NAME_CHARS + "-/ +~", 1, 30).filter(s -> !s.isBlank()).map(Version::of));
  }

  /** 8-to-16-character hashes. */
  public static Gen<ReleaseHash> releaseHashes() {
    return Gen.strings(HEX, 8, 16).map(ReleaseHash::of);
  }

  /** Swarm ids. */
  public static Gen<SwarmId> swarmIds() {
    return Gen.strings(BASE32, 8, 8).map(SwarmId::of);
  }

  /** Ports. */
  public static Gen<Port> ports() {
    return Gen.ints(1, 65535).map(Port::of);
  }

  /** Host names. */
  public static Gen<HostName> hostNames() {
    return Gen.ints(0, 999).map(i -> HostName.of("host" + i + ".example"));
  }

  /** Squad names. */
  public static Gen<SquadName> squadNames() {
    return Gen.oneOf("main", "edge", "batch-1").map(SquadName::of);
  }

  /** Program names vr writes. */
  public static Gen<ProcName.Ours> oursNames() {
    return (r, s) -> ProcName.of(appNames().generate(r, s), versions().generate(r, s),
        configNames().generate(r, s), releaseHashes().generate(r, s), procTypes().generate(r, s),
        ports().generate(r, s), swarmIds().generate(r, s));
  }

  /** Program names of every kind, including arbitrary foreign text. */
  public static Gen<ProcName> procNames() {
    Gen<ProcName> legacy = (r, s) -> ProcName.parse(appNames().generate(r, s) + "-" + versions().generate(r, s).nameForm()
        + "-" + configNames().generate(r, s) + "-" + Gen.strings(HEX, 8, 8).generate(r, s) + "-"
        + procTypes().generate(r, s) + "-" + ports().generate(r, s));
    Gen<ProcName> foreign = Gen.strings(ANY_CHARS, 1, 40).map(ProcName::parse);
    return Gen.frequency(oursNames().map(n -> (ProcName) n), legacy, foreign);
  }

  /** Settings trees up to three levels deep. */
  public static Gen<Settings> settings() {
    return (r, s) -> Settings.of(settingsMap(r, s, 0));
  }

  private static Map<String, Object> settingsMap(java.util.SplittableRandom r, int size, int depth) {
    Map<String, Object> out = new LinkedHashMap<>();
    int n = r.nextInt(1 + Math.min(6, size / 10 + 1));
    for (int i = 0; i < n; i++) {
      String key = Gen.strings(ANY_CHARS, 1, 8).generate(r, size);
      Object value = switch (depth < 2 ? r.nextInt(7) : r.nextInt(5)) {
        case 0 -> Gen.strings(ANY_CHARS, 0, 20).generate(r, size);
        case 1 -> (long) r.nextInt();
        case 2 -> r.nextBoolean();
        case 3 -> null;
        case 4 -> r.nextInt(1000) / 8.0;
        case 5 -> settingsMap(r, size, depth + 1);
        default -> {
          List<Object> list = new ArrayList<>();
          for (int j = r.nextInt(3); j > 0; j--) {
            list.add(Gen.strings(ANY_CHARS, 0, 5).generate(r, size));
          }
          yield list;
        }
      };
      out.put(key, value);
    }
    return out;
  }

  /** Env maps with hostile values. */
  public static Gen<Env> envs() {
    return (r, s) -> {
      Map<String, String> out = new LinkedHashMap<>();
      for (int i = r.nextInt(1 + Math.min(6, s / 10 + 1)); i > 0; i--) {
        out.put(Gen.strings("ABCDEFGHIJKLMNOPQRSTUVWXYZ_", 1, 8).generate(r, s),
            Gen.strings(ANY_CHARS, 0, 30).generate(r, s));
      }
      return Env.of(out);
    };
  }

  /** Volumes with distinct container dirs. */
  public static Gen<List<Volume>> volumes() {
    return (r, s) -> {
      List<Volume> out = new ArrayList<>();
      for (int i = r.nextInt(3); i > 0; i--) {
        out.add(Volume.of("/data/v" + r.nextInt(100), "/mnt/m" + out.size(), r.nextBoolean()));
      }
      return out;
    };
  }

  /** Valid swarms with every optional part sometimes present. */
  public static Gen<Swarm> swarms() {
    return (r, s) -> {
      var b = Swarm.builder()
          .id(swarmIds().generate(r, s))
          .app(appNames().generate(r, s))
          .procType(procTypes().generate(r, s))
          .config(configNames().generate(r, s))
          .squad(squadNames().generate(r, s))
          .size(r.nextInt(1 + Math.min(50, s)))
          .onePerHost(r.nextInt(10) == 0)
          .version(versions().generate(r, s))
          .settings(settings().generate(r, s))
          .env(envs().generate(r, s))
          .volumes(volumes().generate(r, s));
      for (int i = r.nextInt(3); i > 0; i--) {
        b.addIngredients(ConfigIngredient.builder().name(IngredientName.of("ing" + i))
            .settings(settings().generate(r, s)).env(envs().generate(r, s)).build());
      }
      if (r.nextBoolean()) {
        b.runAs(Gen.oneOf("nobody", "app", "www-data").generate(r, s));
      }
      if (r.nextBoolean()) {
        b.memLimit(MemoryLimit.parse("256M"));
        if (r.nextBoolean()) {
          b.memswLimit(MemoryLimit.parse("1G"));
        }
      }
      if (r.nextBoolean()) {
        b.pool(PoolName.of("pool-" + r.nextInt(5))).balancer(BalancerName.of("default"));
      }
      return b.build();
    };
  }
}
