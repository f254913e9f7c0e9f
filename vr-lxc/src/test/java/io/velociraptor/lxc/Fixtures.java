package io.velociraptor.lxc;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Builds tarballs, a busybox image and free ports for the runner's tests. */
final class Fixtures {
  private Fixtures() {}

  static Path tempRoot() throws IOException {
    Path root = Files.createTempDirectory("vr-lxc-test");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    return root.toRealPath();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Whether nothing listens on {@code port} of 127.0.0.1 (a bind there succeeds). */
  static boolean canBind(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Writes files (name to content; names under uptests/ or ending .sh are executable). */
  static Path tree(Path dir, Map<String, String> files) throws IOException {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = dir.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue());
      if (f.getKey().startsWith("uptests/") || f.getKey().endsWith(".sh")) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    return dir;
  }

  static Path tar(Path dir, Path out) {
    run(List.of("tar", "czf", out.toString(), "-C", dir.toString(), "."));
    return out;
  }

  /** A tiny image: static busybox, its applets as symlinks, passwd and group. */
  static Path busyboxImage(Path work) throws IOException {
    Path img = work.resolve("busybox-image");
    Files.createDirectories(img.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), img.resolve("bin/busybox"));
    for (String applet : List.of("sh", "httpd", "wget", "grep", "cat", "id", "sleep", "echo", "ls",
        "env", "dd", "printf", "touch", "cp", "mkdir", "test", "[", "head", "od", "true", "false")) {
      Files.createSymbolicLink(img.resolve("bin").resolve(applet), Path.of("busybox"));
    }
    tree(img, Map.of(
        "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n",
        "etc/group", "root:x:0:\nnogroup:x:65534:\n"));
    Files.createSymbolicLink(img.resolve("etc/resolv.conf"), Path.of("/run/resolvconf/resolv.conf"));
    return tar(img, work.resolve("busybox-image.tar.gz"));
  }

  static String run(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError(argv + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError(argv + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** GET http://127.0.0.1:port/path, or empty if nothing answers. */
  static java.util.Optional<String> get(int port, String path) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path)
          .toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      try (InputStream in = c.getInputStream()) {
        return java.util.Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }
}
