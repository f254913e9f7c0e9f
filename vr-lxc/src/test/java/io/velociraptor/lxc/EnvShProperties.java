package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whatever an env value holds, /bin/sh sees exactly that value after sourcing env.sh. */
class EnvShProperties {
  private static final String NASTY = "'\"$`\\\n\r\t ;&|<>(){}*?![]#~=%^\u00e9\u4e2d";

  @Test
  void everyValueSurvivesTheShellUnchanged(@TempDir Path dir) throws Exception {
    long seed = Long.getLong("vr.seed", System.nanoTime());
    int cases = Math.min(Integer.getInteger("vr.property.cases", 1000), 200);
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<String, String> env = new TreeMap<>();
    for (int i = 0; i < cases; i++) {
      StringBuilder v = new StringBuilder();
      int len = random.nextInt(0, 24);
      for (int j = 0; j < len; j++) {
        v.append(random.nextInt(4) == 0 ? (char) random.nextInt(0x20, 0x7f)
            : NASTY.charAt(random.nextInt(NASTY.length())));
      }
      env.put("V" + i, v.toString());
    }
    Path file = dir.resolve("env.sh");
    Files.writeString(file, Scripts.envSh(env));
    // print every value NUL-terminated, so newlines inside values stay visible
    StringBuilder script = new StringBuilder(". " + Shell.quote(file.toString()) + "\n");
    for (String k : env.keySet()) {
      script.append("printf '%s\\0' \"$").append(k).append("\"\n");
    }
    Process p = new ProcessBuilder(List.of("/bin/sh", "-c", script.toString())).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String[] values = new String(out, StandardCharsets.UTF_8).split("\0", -1);
    int i = 0;
    for (String k : env.keySet()) {
      assertThat(values[i++]).as("env %s with seed %d (rerun with -Dvr.seed=%d)", k, seed, seed)
          .isEqualTo(env.get(k));
    }
  }

  @Test
  void shellQuotingKeepsEveryArgumentOneWord(@TempDir Path dir) throws IOException, InterruptedException {
    List<String> argv = List.of("a b", "it's", "$HOME", "`id`", "\n", "");
    Process p = new ProcessBuilder(List.of("/bin/sh", "-c", "for a in " + Shell.join(argv)
        + "; do printf '[%s]' \"$a\"; done")).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out).isEqualTo("[a b][it's][$HOME][`id`][\n][]");
  }
}
