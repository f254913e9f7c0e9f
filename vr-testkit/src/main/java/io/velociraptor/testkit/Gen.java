package io.velociraptor.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A seeded generator of test values. {@code size} (1 to 100) grows over a property's cases so
 * early cases are small; generators use it to bound collection lengths and magnitudes.
 *
 * @param <T> what it generates
 */
@FunctionalInterface
public interface Gen<T> {
  /**
   * One value for a case, drawn from {@code random} and bounded by {@code size}.
   *
   * @param random the case's random source; the same seed gives the same value
   * @param size how big the value may be, 1 to 100
   * @return a value
   */
  T generate(SplittableRandom random, int size);

  /**
   * The shrinker that comes with this generator's values; {@link PropertyRunner#check(Gen,
   * java.util.function.Consumer)} shrinks with it. {@link #ints}, {@link #listOf} (drops
   * elements, then shrinks each with its element generator's shrinker), {@code PlanGen.cases()}
   * and {@code HostileStrings.lists} have one; {@link #map}, {@link #flatMap} and a plain
   * lambda have none (give one with {@link #shrinkingWith}).
   *
   * @return the shrinker, {@link Shrinker#none()} by default
   */
  default Shrinker<T> shrinker() {
    return Shrinker.none();
  }

  /**
   * This generator's values, shrunk with {@code shrinker} instead of its own.
   *
   * @param shrinker how this generator's values shrink
   * @return this generator, with that shrinker
   */
  default Gen<T> shrinkingWith(Shrinker<T> shrinker) {
    java.util.Objects.requireNonNull(shrinker, "shrinker");
    Gen<T> self = this;
    return new Gen<T>() {
      @Override
      public T generate(SplittableRandom random, int size) {
        return self.generate(random, size);
      }

      @Override
      public Shrinker<T> shrinker() {
        return shrinker;
      }
    };
  }

  /**
   * Values of this generator mapped through {@code f}, with no shrinker.
   *
   * @param f a function
   * @param <R> its result
   * @return a generator of {@code f} applied to this one's values
   */
  default <R> Gen<R> map(Function<? super T, ? extends R> f) {
    return (r, s) -> f.apply(generate(r, s));
  }

  /**
   * Values of the generator {@code f} makes from each of this generator's values, drawn from the same
   * random source and size, with no shrinker.
   *
   * @param f makes the next generator from this one's value
   * @param <R> the result
   * @return the chained generator
   */
  default <R> Gen<R> flatMap(Function<? super T, Gen<R>> f) {
    return (r, s) -> f.apply(generate(r, s)).generate(r, s);
  }

  /**
   * This generator's values that {@code keep} holds for; a generator that rejects 1,000 values in a
   * row throws {@link IllegalStateException}.
   *
   * @param keep which values to keep
   * @return a generator that retries until {@code keep} holds (at most 1,000 tries)
   */
  default Gen<T> filter(Predicate<? super T> keep) {
    return (r, s) -> {
      for (int i = 0; i < 1000; i++) {
        T value = generate(r, s);
        if (keep.test(value)) {
          return value;
        }
      }
      throw new IllegalStateException("filter rejected 1000 values in a row");
    };
  }

  /**
   * Always {@code value}, which never shrinks.
   *
   * @param value the value
   * @param <T> its type
   * @return a generator that always gives it
   */
  static <T> Gen<T> constant(T value) {
    return (r, s) -> value;
  }

  /**
   * Uniform ints from {@code min} to {@code max}, both inclusive and not scaled by size, that shrink
   * towards 0 (or the bound of the range nearer to it).
   *
   * @param min lowest, inclusive
   * @param max highest, inclusive
   * @return uniform ints
   */
  static Gen<Integer> ints(int min, int max) {
    Gen<Integer> ints = (r, s) -> min + r.nextInt(max - min + 1);
    return ints.shrinkingWith(Shrinker.towards(Math.max(min, Math.min(max, 0))));
  }

  /**
   * Booleans that are true with {@code probability}, and do not shrink.
   *
   * @param probability of true
   * @return booleans
   */
  static Gen<Boolean> bools(double probability) {
    return (r, s) -> r.nextDouble() < probability;
  }

  /**
   * One of {@code choices}, picked uniformly, with no shrinker.
   *
   * @param choices the values to pick from
   * @param <T> their type
   * @return one of them, uniformly
   */
  @SafeVarargs
  static <T> Gen<T> oneOf(T... choices) {
    List<T> list = new ArrayList<>(choices.length);
    for (T choice : choices) {
      list.add(choice);
    }
    return (r, s) -> list.get(r.nextInt(list.size()));
  }

  /**
   * A value of one of {@code gens}, picked uniformly on each draw, with no shrinker.
   *
   * @param gens generators to pick from
   * @param <T> their type
   * @return a value of one of them, uniformly
   */
  @SafeVarargs
  static <T> Gen<T> frequency(Gen<? extends T>... gens) {
    List<Gen<? extends T>> list = new ArrayList<>(gens.length);
    for (Gen<? extends T> gen : gens) {
      list.add(gen);
    }
    return (r, s) -> list.get(r.nextInt(list.size())).generate(r, s);
  }

  /**
   * Strings of {@code min} to {@code max} code points drawn uniformly from {@code alphabet}'s code
   * points (never a lone surrogate), the upper bound scaled down by size, with no shrinker.
   *
   * @param alphabet characters to draw from
   * @param min fewest code points
   * @param max most code points (scaled down by size)
   * @return strings
   */
  static Gen<String> strings(String alphabet, int min, int max) {
    // draw whole code points, so an emoji in the alphabet never yields a lone surrogate
    int[] codePoints = alphabet.codePoints().toArray();
    return (r, s) -> {
      int top = Math.max(min, Math.min(max, min + (max - min) * s / 100));
      int n = min + r.nextInt(top - min + 1);
      StringBuilder out = new StringBuilder(n);
      for (int i = 0; i < n; i++) {
        out.appendCodePoint(codePoints[r.nextInt(codePoints.length)]);
      }
      return out.toString();
    };
  }

  /**
   * Lists of {@code min} to {@code max} elements of {@code element}, the upper bound scaled down by
   * size, that shrink by dropping elements (never below {@code min}), then by shrinking each element.
   *
   * @param element the element generator
   * @param min fewest elements
   * @param max most elements (scaled down by size)
   * @param <T> element type
   * @return lists
   */
  static <T> Gen<List<T>> listOf(Gen<T> element, int min, int max) {
    Gen<List<T>> lists = (r, s) -> {
      int top = Math.max(min, Math.min(max, min + (max - min) * s / 100));
      int n = min + r.nextInt(top - min + 1);
      List<T> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(element.generate(r, s));
      }
      return out;
    };
    Shrinker<List<T>> shorter = Shrinker.<T>dropElements().keeping(l -> l.size() >= min);
    return lists.shrinkingWith(shorter.or(Shrinker.eachElement(element.shrinker())));
  }
}
