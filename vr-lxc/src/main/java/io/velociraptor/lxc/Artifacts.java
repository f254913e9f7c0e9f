package io.velociraptor.lxc;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fetches build and image tarballs, checks their digests, and unpacks each one once. */
final class Artifacts {
  private static final Logger LOG = LoggerFactory.getLogger(Artifacts.class);

  /** A verified local tarball and its sha256. */
  record Fetched(Path file, String sha256) {}

  private Artifacts() {}

  static Fetched fetch(String key, String url, Optional<String> md5, Optional<String> sha256,
      Path downloadDir, Duration timeout) {
    Path file;
    if (url.startsWith("http://") || url.startsWith("https://")) {
      String base = url.replaceAll("[?#].*$", "");
      base = base.substring(base.lastIndexOf('/') + 1);
      if (!ProcPaths.PROC_DIR_NAME.matcher(base).matches()) {
        throw RunnerException.badValue(key, url, "does not end in a plain file name");
      }
      file = downloadDir.resolve(base);
      if (!(Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && matches(file, md5, sha256))) {
        download(key, url, file, md5, sha256, timeout);
      }
    } else if (url.startsWith("file:")) {
      file = Path.of(URI.create(url));
    } else if (url.startsWith("/")) {
      file = Path.of(url);
    } else {
      throw RunnerException.badValue(key, url, "is neither an absolute path, a file: URL nor an http(s) URL");
    }
    if (!Files.isRegularFile(file)) {
      throw RunnerException.badValue(key, url, "names no regular file on this host");
    }
    String actualSha = Files2.digest(file, "SHA-256");
    md5.ifPresent(expected -> {
      String actual = Files2.digest(file, "MD5");
      if (!actual.equals(expected)) {
        throw new RunnerException(key, url, key + " " + url + " has md5 " + actual
            + " but proc.yaml expects " + expected + "; the file is corrupt or not this release's");
      }
    });
    sha256.ifPresent(expected -> {
      if (!actualSha.equals(expected)) {
        throw new RunnerException(key, url, key + " " + url + " has sha256 " + actualSha
            + " but proc.yaml expects " + expected + "; the file is corrupt or not this release's");
      }
    });
    if (md5.isEmpty() && sha256.isEmpty()) {
      LOG.warn("{} {} has no md5 or sha256 in proc.yaml; using it unchecked", key, url);
    }
    return new Fetched(file, actualSha);
  }

  private static boolean matches(Path file, Optional<String> md5, Optional<String> sha256) {
    return md5.map(m -> Files2.digest(file, "MD5").equals(m)).orElse(true)
        && sha256.map(s -> Files2.digest(file, "SHA-256").equals(s)).orElse(true)
        && (md5.isPresent() || sha256.isPresent());
  }

  private static void download(String key, String url, Path file, Optional<String> md5,
      Optional<String> sha256, Duration timeout) {
    Files2.mkdirs(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".part");
    HttpClient http = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    try {
      HttpResponse<InputStream> r = http.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          throw new RunnerException(key, url, "downloading " + key + " " + url + " failed: HTTP " + r.statusCode());
        }
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      if ((md5.isPresent() || sha256.isPresent()) && !matches(tmp, md5, sha256)) {
        throw new RunnerException(key, url, "downloaded " + key + " " + url
            + " does not match the md5/sha256 in proc.yaml; the server sent a different file");
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new RunnerException(key, url, "downloading " + key + " " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunnerException(key, url, "interrupted while downloading " + url, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort: a stray .part file is harmless and overwritten next time
      }
    }
  }

  /**
   * Unpacks a tarball into {@code <into>/<sha256>} unless that exists: under a per-artifact
   * lock, into a temp dir, then an atomic rename, so concurrent setups share one copy and a
   * live lower dir is never overwritten.
   */
  @SuppressWarnings("try")
  static Path unpackOnce(Fetched tarball, Path into, java.util.function.Consumer<Path> fixup) {
    Path target = into.resolve(tarball.sha256());
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      return target;
    }
    Files2.mkdirs(into);
    Path lockFile = into.resolve(tarball.sha256() + ".lock");
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        return target;
      }
      Path tmp = into.resolve("." + tarball.sha256() + "." + UUID.randomUUID());
      try {
        SafeUntar.extract(tarball.file(), tmp);
        fixup.accept(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files2.deleteTree(tmp);
      }
      return target;
    } catch (IOException e) {
      throw RunnerException.failed(target.toString(), "cannot unpack " + tarball.file() + " into " + target + ": " + e, e);
    }
  }
}
