package io.velociraptor.lxc;

import java.nio.file.Path;
import java.util.regex.Pattern;

/** Where one proc's files live: {@code <root>/procs/<name>/...}. */
final class ProcPaths {
  static final Pattern PROC_DIR_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}");

  final Path root;
  final String name;
  final Path dir;

  private ProcPaths(Path root, String name) {
    this.root = root;
    this.name = name;
    this.dir = root.resolve("procs").resolve(name);
  }

  static Path checkRoot(Path root) {
    return Path.of(ProcYaml.absoluteNormal("runner root", root.toString()));
  }

  /** The proc.yaml must be {@code <root>/procs/<name>/proc.yaml}; the directory names the proc. */
  static ProcPaths of(Path root, Path procYaml) {
    Path p = procYaml.toAbsolutePath().normalize();
    Path procs = root.resolve("procs");
    if (!p.getFileName().toString().equals("proc.yaml") || p.getParent() == null
        || p.getParent().getParent() == null || !p.getParent().getParent().equals(procs)) {
      throw RunnerException.badValue("proc.yaml path", procYaml,
          "is not " + procs + "/<proc name>/proc.yaml; the runner only works on procs under its root");
    }
    String name = p.getParent().getFileName().toString();
    ProcYaml.check("proc name", name, PROC_DIR_NAME,
        "may hold only letters, digits, '_', '.' and '-' (and not start with '.' or '-')");
    return new ProcPaths(root, name);
  }

  Path procYaml() {
    return dir.resolve("proc.yaml");
  }

  Path lock() {
    return dir.resolve(".lock");
  }

  Path vr() {
    return dir.resolve("vr");
  }

  Path rootfs() {
    return dir.resolve("rootfs");
  }

  Path appUpper() {
    return dir.resolve("app.upper");
  }

  Path appWork() {
    return dir.resolve("app.work");
  }

  /** The plain runtime's app directory (its own copy of the build). */
  Path plainApp() {
    return dir.resolve("app");
  }

  Path lxcPath() {
    return dir.resolve("lxc");
  }

  Path rcFile() {
    return dir.resolve("proc.lxc");
  }

  Path runSh() {
    return dir.resolve("run.sh");
  }

  Path uptestDir() {
    return dir.resolve("uptest");
  }

  Path lxcLog() {
    return dir.resolve("lxc.log");
  }

  Path builds() {
    return root.resolve("builds");
  }

  Path unpacked() {
    return root.resolve("unpacked");
  }
}
