package sample;

/** A package-private superclass: javadoc shows its public members on its public subclasses' pages. */
abstract class Hidden {
  public String undocumentedShown() {
    return "";
  }

  /** Documented. */
  public String documentedShown() {
    return "";
  }

  public String overriddenBelow() {
    return "";
  }

  String packagePrivateIsNotShown() {
    return "";
  }
}
