package io.velociraptor.examples;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** The example apps and buildpacks vr ships in its jar, for the demo and the embedding examples. */
public final class ExampleFiles {
  private ExampleFiles() {}

  /**
   * Copies the example apps ({@code apps/java-hello}, {@code apps/static-site}, {@code apps/prebuilt})
   * and buildpacks ({@code buildpacks/java}, {@code buildpacks/static}, {@code buildpacks/procfile})
   * out of vr's jar (or classes directory), restoring the executable bits of scripts.
   *
   * @param to the directory to create and fill
   * @return {@code to}
   * @throws IOException if the files cannot be read or written
   */
  public static Path extract(Path to) throws IOException {
    URI uri;
    try {
      uri = ExampleFiles.class.getResource("/examples/buildpacks/java/bin/compile").toURI();
    } catch (java.net.URISyntaxException e) {
      throw new IOException("cannot locate the example files in vr's jar", e);
    }
    FileSystem jar = null;
    try {
      Path compile;
      if (uri.getScheme().equals("jar")) {
        jar = FileSystems.newFileSystem(uri, Map.of());
        compile = jar.provider().getPath(uri);
      } else {
        compile = Path.of(uri);
      }
      Path src = compile.getParent().getParent().getParent().getParent();
      try (Stream<Path> all = Files.walk(src)) {
        for (Path p : all.sorted().toList()) {
          Path target = to.resolve(src.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(target);
          } else {
            try (InputStream in = Files.newInputStream(p)) {
              Files.copy(in, target);
            }
            String rel = src.relativize(p).toString();
            boolean exec = rel.contains("/bin/") || (rel.contains("/uptests/") && !target.getFileName().toString().startsWith("."));
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
          }
        }
      }
      return to;
    } finally {
      if (jar != null) {
        jar.close();
      }
    }
  }


  /**
   * Finds consecutive ports free on 127.0.0.1 now, so example hosts on one machine never collide.
   *
   * @param size how many ports
   * @return the first port of the block
   * @throws IOException if no block is free between 20000 and 40000
   */
  public static int freePortBlock(int size) throws IOException {
    SplittableRandom random = new SplittableRandom();
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + random.nextInt(20_000);
      boolean free = true;
      for (int p = base; p < base + size && free; p++) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress("127.0.0.1", p));
        } catch (IOException taken) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IOException("no block of " + size + " free ports between 20000 and 40000 on 127.0.0.1");
  }

}
