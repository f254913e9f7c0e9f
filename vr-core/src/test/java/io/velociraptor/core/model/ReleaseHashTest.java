package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReleaseHashTest {
  @Test
  void legacyMakeHashMatchesTheOriginalsTestVectors() {
    assertThat(LegacyReleaseHash.makeHash(1)).isEqualTo("c4ca4238a0b923820dcc509a6f75849b");
    assertThat(LegacyReleaseHash.makeHash("a")).isEqualTo("6067924ae1b1832abce3d12fe83755a9");
    assertThat(LegacyReleaseHash.makeHash(Map.of())).isEqualTo("99914b932bd37a50b983c5e7c90ae93b");
    assertThat(LegacyReleaseHash.makeHash(List.of())).isEqualTo("d751713988987e9331980363e24189ce");
    assertThat(LegacyReleaseHash.makeHash("\u00a3")).isEqualTo("dd335aa90459c69348d739b1628dcf86");
    assertThat(LegacyReleaseHash.makeHash("abc123", null)).isEqualTo("5453a3535401619817e8add41a34cf82");
  }

  @Test
  void legacyReleaseHashMatchesTheOriginalsReleaseVectors() {
    assertThat(LegacyReleaseHash.of("buildhash", Map.of("b", 2), Map.of("a", 1),
        List.of(List.of("/foo", "/bar")), "nobody", null, null)).isEqualTo("0e0c7a44");
    assertThat(LegacyReleaseHash.of("buildhash", null, null, null, "nobody", null, null)).isEqualTo("08277d1b");
  }

  @Test
  void legacySerializationUsesPythonSeparatorsAndSortedKeys() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("z", null);
    inner.put("y", true);
    Map<String, Object> outer = new LinkedHashMap<>();
    outer.put("b", List.of(1, 2));
    outer.put("a", inner);
    assertThat(CanonicalJson.PYTHON.write(outer)).isEqualTo("{\"a\": {\"y\": true, \"z\": null}, \"b\": [1, 2]}");
  }

  @Test
  void oursIsTwelveHexAndIgnoresMapKeyOrder() {
    Map<String, Object> one = new LinkedHashMap<>();
    one.put("a", 1);
    one.put("b", Map.of("x", "y"));
    Map<String, Object> two = new LinkedHashMap<>();
    two.put("b", Map.of("x", "y"));
    two.put("a", 1);
    ReleaseHash h1 = ReleaseHashes.of("abc", Settings.of(one), Env.empty(), List.of(), "nobody", Optional.empty(), Optional.empty());
    ReleaseHash h2 = ReleaseHashes.of("abc", Settings.of(two), Env.empty(), List.of(), "nobody", Optional.empty(), Optional.empty());
    assertThat(h1).isEqualTo(h2);
    assertThat(h1.value()).hasSize(12);
  }

  @Test
  void oursChangesWithEveryInput() {
    List<ReleaseHash> hashes = Arrays.asList(
        ReleaseHashes.of("abc", Settings.empty(), Env.empty(), List.of(), "nobody", Optional.empty(), Optional.empty()),
        ReleaseHashes.of("abd", Settings.empty(), Env.empty(), List.of(), "nobody", Optional.empty(), Optional.empty()),
        ReleaseHashes.of("abc", Settings.of(Map.of("k", 1)), Env.empty(), List.of(), "nobody", Optional.empty(), Optional.empty()),
        ReleaseHashes.of("abc", Settings.empty(), Env.of(Map.of("K", "1")), List.of(), "nobody", Optional.empty(), Optional.empty()),
        ReleaseHashes.of("abc", Settings.empty(), Env.empty(), List.of(Volume.of("/a", "/b", false)), "nobody", Optional.empty(), Optional.empty()),
        ReleaseHashes.of("abc", Settings.empty(), Env.empty(), List.of(Volume.of("/a", "/b", true)), "nobody", Optional.empty(), Optional.empty()),
        ReleaseHashes.of("abc", Settings.empty(), Env.empty(), List.of(), "app", Optional.empty(), Optional.empty()),
        ReleaseHashes.of("abc", Settings.empty(), Env.empty(), List.of(), "nobody", Optional.of(MemoryLimit.parse("256M")), Optional.empty()),
        ReleaseHashes.of("abc", Settings.empty(), Env.empty(), List.of(), "nobody", Optional.empty(), Optional.of(MemoryLimit.parse("256M"))));
    assertThat(hashes).doesNotHaveDuplicates();
  }
}
