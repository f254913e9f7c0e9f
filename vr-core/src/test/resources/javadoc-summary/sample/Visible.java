package sample;

/** A public subclass of a package-private class. */
public final class Visible extends Hidden {
  private Visible() {}

  /** Documented here. */
  @Override
  public String overriddenBelow() {
    return "";
  }
}
