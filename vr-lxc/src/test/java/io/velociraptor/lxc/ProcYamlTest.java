package io.velociraptor.lxc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcYamlTest {
  /** A proc.yaml as the original's tasks.build_proc_info wrote it (safe_dump, block style). */
  static final String ORIGINAL = """
      app_name: myapp
      app_repo_type: git
      app_repo_url: https://example.com/myapp.git
      build_md5: 0123456789abcdef0123456789abcdef
      build_url: http://deploy.example.com/files/builds/myapp-1.2.3-0123456789abcdef0123456789abcdef.tar.gz
      buildpack_url: https://example.com/buildpack-python.git
      buildpack_version: abc123
      config_name: prod
      env:
        DEBUG: false
        SECRET: $HOST_SECRET
      group: nogroup
      host: app1.example.com
      image_md5: fedcba9876543210fedcba9876543210
      image_name: ubuntu_20140101_1
      image_url: http://deploy.example.com/files/images/ubuntu.tar.gz
      mem_limit: 256M
      memsw_limit: 512M
      port: 5003
      proc_name: web
      release_hash: a1b2c3d
      settings:
        db: {host: db1, port: 5432}
      user: nobody
      version: 1.2.3
      volumes:
      - [/srv/data, /data]
      """;

  @Test
  void loadsAProcYamlWrittenByTheOriginal() {
    ProcYaml p = ProcYaml.parse(ORIGINAL, Map.of("HOST_SECRET", "s3cret"));
    assertThat(p.appName).contains("myapp");
    assertThat(p.procName).contains("web");
    assertThat(p.port).isEqualTo(5003);
    assertThat(p.memLimit).contains(256L << 20);
    assertThat(p.memswLimit).contains(512L << 20);
    assertThat(p.env).containsEntry("DEBUG", "false").containsEntry("SECRET", "s3cret");
    assertThat(p.volumes).containsExactly(new ProcYaml.VolumeSpec("/srv/data", "/data", false));
    assertThat(p.settings.get("db").get("port").asInt()).isEqualTo(5432);
    assertThat(p.user).isEqualTo("nobody");
  }

  @Test
  void takesTheLegacyProcKeyForProcName() {
    assertThat(ProcYaml.parse("proc: worker\n", Map.of()).procName).contains("worker");
  }

  @Test
  void requiresProcNameOrCmd() {
    assertThatThrownBy(() -> ProcYaml.parse("app_name: a\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("proc_name or cmd");
  }

  @Test
  void rejectsANameWithASlash() {
    assertThatThrownBy(() -> ProcYaml.parse("proc_name: ../web\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("proc_name \"../web\"");
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\napp_name: a/b\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("app_name \"a/b\"");
  }

  @Test
  void rejectsAVolumeThatClimbsWithDotDot() {
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nvolumes: [[/srv/data/../../etc, /data]]\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("/srv/data/../../etc")
        .hasMessageContaining("not normalised");
  }

  @Test
  void rejectsARelativeVolumePath() {
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nvolumes: [[srv/data, /data]]\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("must be an absolute path");
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nvolumes: [[/srv/data, data]]\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"data\"");
  }

  @Test
  void rejectsAVolumeOverTheRunnersOwnMounts() {
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nvolumes: [[/srv/d, /proc/sys]]\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("reserved");
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nvolumes: [[/srv/d, /app]]\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("reserved");
  }

  @Test
  void rejectsAVolumePathWithWhitespaceThatWouldSplitAMountEntry() {
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nvolumes: [['/srv/d 0 0\\nlxc.x', /d]]\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("whitespace");
  }

  @Test
  void keepsEnvValuesWithNewlinesAndQuotesVerbatimForQuoting() {
    ProcYaml p = ProcYaml.parse("cmd: x\nenv: {A: \"it's \\\"q\\\"\\nnext\"}\n", Map.of());
    assertThat(p.env.get("A")).isEqualTo("it's \"q\"\nnext");
  }

  @Test
  void rejectsAnEnvNameThatIsNotAVariable() {
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nenv: {'A B': x}\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"A B\"");
  }

  @Test
  void rejectsMemswBelowMem() {
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nmem_limit: 512M\nmemsw_limit: 256M\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("memsw_limit \"256M\"");
  }

  @Test
  void rejectsAMalformedDigest() {
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nbuild_md5: xyz\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("build_md5 \"xyz\"");
  }

  @Test
  void asksForQuotesWhenADigestWasWrittenAsAYamlNumber() {
    assertThatThrownBy(() -> ProcYaml.parse("cmd: x\nbuild_md5: " + "0".repeat(32) + "\n", Map.of()))
        .isInstanceOf(RunnerException.class).hasMessageContaining("build_md5").hasMessageContaining("quote it");
  }

  @Test
  void findsTheProcDirectoryOnlyUnderTheRunnersRoot() {
    Path root = Path.of("/apps");
    assertThat(ProcPaths.of(root, Path.of("/apps/procs/a-1-c-h-web-5000/proc.yaml")).name)
        .isEqualTo("a-1-c-h-web-5000");
    assertThatThrownBy(() -> ProcPaths.of(root, Path.of("/etc/proc.yaml")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("/apps/procs/<proc name>/proc.yaml");
    assertThatThrownBy(() -> ProcPaths.of(root, Path.of("/apps/procs/../procs/x/../../etc/proc.yaml")))
        .isInstanceOf(RunnerException.class);
    assertThatThrownBy(() -> ProcPaths.of(root, Path.of("/apps/procs/-rf/proc.yaml")))
        .isInstanceOf(RunnerException.class).hasMessageContaining("\"-rf\"");
  }

  @Test
  void takesTheCommandFromTheBuildsProcfileReadLikeTheOriginalsBuilds(@TempDir Path app)
      throws java.io.IOException {
    // a Procfile the strict builder would refuse: a line without a colon, a dashed name, a repeat
    java.nio.file.Files.writeString(app.resolve("Procfile"),
        "# written by hand\nnot a proc line\nbg-worker: celery -A x: y\nweb: gunicorn app:wsgi\n"
            + "web: ignored second\n");
    assertThat(Runner.command(ProcYaml.parse("proc_name: web\n", Map.of()), app))
        .isEqualTo("gunicorn app:wsgi");
    assertThatThrownBy(() -> Runner.command(ProcYaml.parse("proc_name: clock\n", Map.of()), app))
        .isInstanceOf(RunnerException.class)
        .hasMessageContaining("clock")
        .hasMessageContaining("[bg-worker, web]");
  }
}
