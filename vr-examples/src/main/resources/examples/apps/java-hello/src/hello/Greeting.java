package hello;

/** The greeting, in its own class so the example has more than one source file. */
final class Greeting {
  private Greeting() {}

  /** @return the greeting, with the config's GREETING_COLOR when it is set (so a config change shows) */
  static String text() {
    String color = System.getenv("GREETING_COLOR");
    return "Hello from a vr Java app" + (color == null || color.isBlank() ? "" : ", in " + color) + "\n";
  }
}
