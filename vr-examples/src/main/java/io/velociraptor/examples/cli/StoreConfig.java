package io.velociraptor.examples.cli;

import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.JdbcStore;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which store vr keeps its state in: the embedded file store in {@code store_dir} (the default,
 * {@code store: {type: file}}) or a PostgreSQL database ({@code store: {type: postgres, url: ...,
 * user: ..., password_file: ...}}) that several vr processes on several machines share. The
 * password is read from its file when the config is loaded and is never part of a message or
 * of {@link #toString()}.
 */
public final class StoreConfig {
  /** The kinds of store. */
  public enum Type {
    /** the file store in store_dir */
    FILE,
    /** a PostgreSQL database through JDBC */
    POSTGRES
  }

  private static final StoreConfig FILE = new StoreConfig(Type.FILE, "", Optional.empty(), Optional.empty(), null);

  private final Type type;
  private final String url;
  private final Optional<String> user;
  private final Optional<Path> passwordFile;
  private final char[] password;

  private StoreConfig(Type type, String url, Optional<String> user, Optional<Path> passwordFile, char[] password) {
    this.type = type;
    this.url = url;
    this.user = user;
    this.passwordFile = passwordFile;
    this.password = password;
  }

  /** @return the file store in store_dir */
  static StoreConfig file() {
    return FILE;
  }

  /**
   * A PostgreSQL store.
   *
   * @param url a JDBC URL ({@code jdbc:postgresql://HOST:PORT/DB}) or {@code postgres://USER@HOST:PORT/DB}
   * @param user the user, or empty to take the URL's
   * @param password the password, or null for none (trust, peer or certificate authentication)
   * @return the settings
   * @throws IllegalArgumentException if the URL is not one of those forms or names no user
   */
  static StoreConfig postgres(String url, Optional<String> user, Optional<Path> passwordFile, char[] password) {
    PgUrl u = PgUrl.parse(url);
    Optional<String> who = user.or(() -> u.user());
    if (who.isEmpty()) {
      throw new IllegalArgumentException("names no user: give one (postgres://USER@HOST:PORT/DB, or user:)");
    }
    return new StoreConfig(Type.POSTGRES, u.jdbcUrl(), who, passwordFile, password);
  }

  /** The {@code store:} section; every field checked, unknown ones refused. */
  static StoreConfig parse(Fields s, Path base) {
    String type = s.oneOf("type", "file", "file", "postgres");
    if (type.equals("file")) {
      s.noOthers(); // a url or user under a file store is a mistake, not something to ignore
      return FILE;
    }
    String url = s.required("url");
    Optional<String> user = s.string("user");
    Optional<Path> passwordFile = s.string("password_file").map(p -> base.resolve(p).normalize());
    s.noOthers();
    PgUrl parsed;
    try {
      parsed = PgUrl.parse(url);
    } catch (IllegalArgumentException e) {
      throw s.error("url", "\"" + PgUrl.redacted(url) + "\" " + e.getMessage());
    }
    if (user.isEmpty() && parsed.user().isEmpty()) {
      throw s.error("user", "is required (or name the user in the url: postgres://USER@HOST:PORT/DB)");
    }
    char[] password = null;
    if (passwordFile.isPresent()) {
      try {
        password = readPassword(passwordFile.get());
      } catch (IOException e) {
        // the file is named, its content never
        throw s.error("password_file", passwordFile.get() + " cannot be read: " + e.getClass().getSimpleName()
            + (e.getMessage() == null || e.getMessage().equals(passwordFile.get().toString()) ? "" : " (" + e.getMessage() + ")"));
      }
    }
    return postgres(url, user, passwordFile, password);
  }

  /** @return the first line of a password file (a trailing newline is not part of the password) */
  static char[] readPassword(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IOException("it is a directory");
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return text.lines().findFirst().orElse("").toCharArray();
  }

  /** @return which kind of store */
  public Type type() {
    return type;
  }

  /** @return whether the state is in a shared database */
  public boolean isPostgres() {
    return type == Type.POSTGRES;
  }

  /** @return the JDBC URL (empty for the file store) */
  public String url() {
    return url;
  }

  /** @return the database user (empty for the file store) */
  public Optional<String> user() {
    return user;
  }

  /**
   * Opens the store.
   *
   * @param storeDir the config's store_dir (the file store's directory)
   * @return the open store; close it when done
   */
  Store open(Path storeDir) {
    return isPostgres() ? openJdbc() : FileStore.open(storeDir);
  }

  /**
   * Opens the database store.
   *
   * @return the open store; close it when done
   * @throws IllegalStateException if this is the file store
   */
  JdbcStore openJdbc() {
    if (!isPostgres()) {
      throw new IllegalStateException("not a postgres store");
    }
    var b = JdbcStore.builder().url(url).user(user.orElseThrow());
    if (password != null) {
      b.password(new String(password));
    }
    return b.open();
  }

  /** @return where the state is, for messages: the URL without any password, or "the file store" */
  public String describe(Path storeDir) {
    return isPostgres() ? "the PostgreSQL store " + url + " (user " + user.orElseThrow() + ")"
        : "the file store in " + storeDir;
  }

  @Override
  public String toString() {
    return isPostgres() ? "postgres " + url + " user " + user.orElseThrow()
        + passwordFile.map(p -> " password_file " + p).orElse("") : "file";
  }

  /**
   * A PostgreSQL location as vr accepts it: a JDBC URL as is, or {@code postgres://USER@HOST:PORT/DB}
   * (also {@code postgresql://}) turned into one. A password inside the URL is refused: it would
   * end up in shell histories and process lists.
   *
   * @param jdbcUrl the JDBC URL
   * @param user the user the URL names, if any
   */
  record PgUrl(String jdbcUrl, Optional<String> user) {
    static PgUrl parse(String text) {
      String t = text.strip();
      if (t.startsWith("jdbc:postgresql://")) {
        if (t.matches("(?i).*[?&]password=.*")) {
          throw new IllegalArgumentException("holds a password: put it in a password file instead");
        }
        Optional<String> user = Optional.empty();
        int q = t.indexOf('?');
        if (q >= 0) {
          for (String p : t.substring(q + 1).split("&")) {
            if (p.startsWith("user=") && p.length() > 5) {
              user = Optional.of(p.substring(5));
            }
          }
        }
        return new PgUrl(t, user);
      }
      if (!t.startsWith("postgres://") && !t.startsWith("postgresql://")) {
        throw new IllegalArgumentException("is not a PostgreSQL URL: write jdbc:postgresql://HOST:PORT/DB or"
            + " postgres://USER@HOST:PORT/DB");
      }
      URI u;
      try {
        u = new URI(t);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("is not a valid URL: " + e.getReason());
      }
      if (u.getHost() == null) {
        throw new IllegalArgumentException("names no host: write postgres://USER@HOST:PORT/DB");
      }
      Optional<String> user = Optional.empty();
      if (u.getUserInfo() != null) {
        if (u.getUserInfo().contains(":")) {
          throw new IllegalArgumentException("holds a password: put it in a password file instead");
        }
        user = Optional.of(u.getUserInfo()).filter(s -> !s.isEmpty());
      }
      String db = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
      if (db.isEmpty() || db.contains("/")) {
        throw new IllegalArgumentException("names no database: write postgres://USER@HOST:PORT/DB");
      }
      String host = u.getHost().contains(":") && !u.getHost().startsWith("[") ? "[" + u.getHost() + "]" : u.getHost();
      String jdbc = "jdbc:postgresql://" + host + (u.getPort() >= 0 ? ":" + u.getPort() : "") + "/" + db
          + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
      return new PgUrl(jdbc, user);
    }

    /** @return the text with anything after a ':' in the user part, or a password= parameter, masked */
    static String redacted(String text) {
      return text.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("^([a-z]+://[^:/@]*:)[^@]*@", "$1***@");
    }
  }
}
