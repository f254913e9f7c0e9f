package hello;

/** The greeting, in its own class so the example has more than one source file. */
final class Greeting {
  private Greeting() {}

  static String text() {
    return "Hello from a vr Java app\n";
  }
}
