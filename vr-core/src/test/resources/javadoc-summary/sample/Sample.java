package sample;

import java.util.List;

/** A documented interface. */
public interface Sample {
  /** @return only a tag: blank summary row */
  String onlyReturnTag();

  /** The hosts, in name order. */
  List<String> documented();

  String undocumented();

  /** A documented method that overrides nothing. */
  void run();

  /** A record whose second component has no {@code @param}.
   *
   * @param name the name
   */
  record Pair(String name, int size) {}

  /** A class with overrides. */
  final class Impl implements Sample, AutoCloseable {
    public Impl() {}

    @Override
    public String onlyReturnTag() {
      return "";
    }

    @Override
    public List<String> documented() {
      return List.of();
    }

    @Override
    public String undocumented() {
      return "";
    }

    @Override
    public void run() {}

    @Override
    public void close() {}

    @Override
    public String toString() {
      return "Impl";
    }

    String packagePrivateIsNotChecked() {
      return "";
    }
  }

  enum Colour {
    /** Documented. */
    RED,
    GREEN
  }
}
