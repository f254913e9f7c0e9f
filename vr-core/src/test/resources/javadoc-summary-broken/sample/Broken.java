package sample;

/** Refers to a type that does not exist. */
public interface Broken {
  /** A method whose return type is missing. */
  NoSuchType missing();
}
