package io.velociraptor.examples;

import io.velociraptor.testkit.MachineClaims;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
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
   * Finds consecutive ports free now and claims them for this JVM's life, so example hosts on one
   * machine never collide (see {@link MachineClaims}).
   *
   * @param size how many ports
   * @return the first port of the block
   * @throws IOException if no block is free between 20000 and 32000
   */
  public static int freePortBlock(int size) throws IOException {
    try {
      // claimed machine-wide, so that demos and test JVMs running side by side never share a block
      return MachineClaims.portBlock(size);
    } catch (IllegalStateException none) {
      throw new IOException(none.getMessage(), none);
    }
  }


}
