package io.velociraptor.core.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PidSplitterTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void takesTheMarkerLineOutAndPassesTheRestEvenWhenSplitAcrossWrites() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PidSplitter s = new PidSplitter(out);
    s.write(utf8("vr-pg"));
    s.write(utf8("id:1234\nerr"));
    s.write(utf8("or\n"));
    s.close();
    assertThat(s.pid()).isEqualTo(1234);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("error\n");
  }

  @Test
  void passesOnWhatAShellStartupFilePrintsBeforeTheMarker() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PidSplitter s = new PidSplitter(out);
    s.write(utf8("bashrc: warning\nvr-pgid:77\nvr-pgid:88\n"));
    s.close();
    assertThat(s.pid()).isEqualTo(77);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo("bashrc: warning\nvr-pgid:88\n");
  }

  @Test
  void keepsAnUnfinishedFirstLineWhenTheStreamEnds() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PidSplitter s = new PidSplitter(out);
    s.write(utf8("no marker"));
    s.close();
    assertThat(s.pid()).isEqualTo(-1);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("no marker");
  }
}
