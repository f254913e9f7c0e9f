package io.velociraptor.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Proposes smaller versions of a failing value, most aggressive first. The runner keeps the first
 * proposal that still fails and asks again, until none does.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface Shrinker<T> {
  /**
   * Smaller versions of a failing {@code value}, most aggressive first.
   *
   * @param value a failing value
   * @return smaller candidates; each must be strictly smaller so shrinking ends
   */
  Stream<T> shrink(T value);

  /**
   * A shrinker that proposes nothing, so a failing value is reported as drawn.
   *
   * @param <T> the value type
   * @return a shrinker that proposes nothing
   */
  static <T> Shrinker<T> none() {
    return v -> Stream.empty();
  }

  /**
   * Shrinks a list by dropping the back half, the front half, then each element.
   *
   * @param <T> element type
   * @return the list shrinker
   */
  static <T> Shrinker<List<T>> dropElements() {
    return list -> {
      List<List<T>> out = new ArrayList<>();
      int n = list.size();
      if (n > 1) {
        out.add(List.copyOf(list.subList(0, n / 2)));
        out.add(List.copyOf(list.subList(n / 2, n)));
      }
      for (int i = 0; i < n; i++) {
        List<T> copy = new ArrayList<>(list);
        copy.remove(i);
        out.add(copy);
      }
      return out.stream();
    };
  }

  /**
   * Shrinks an int towards a target: the target, then halfway, then one step.
   *
   * @param target where ints shrink to
   * @return the shrinker
   */
  static Shrinker<Integer> towards(int target) {
    return v -> {
      List<Integer> out = new ArrayList<>();
      long d = (long) v - target;
      while (d != 0) {
        out.add((int) (v - d));
        d /= 2;
      }
      return out.stream();
    };
  }

  /**
   * Shrinks one element of a list at a time, leaving the rest.
   *
   * @param element shrinks an element
   * @param <T> element type
   * @return the list shrinker
   */
  static <T> Shrinker<List<T>> eachElement(Shrinker<T> element) {
    return list -> java.util.stream.IntStream.range(0, list.size()).boxed()
        .flatMap(i -> element.shrink(list.get(i)).map(e -> {
          List<T> copy = new ArrayList<>(list);
          copy.set(i, e);
          return copy;
        }));
  }

  /**
   * This shrinker's proposals that {@code keep} holds for, so shrinking never leaves what the
   * generator could make.
   *
   * @param keep which candidates to propose (those a generator could have made)
   * @return this shrinker's proposals that {@code keep} holds for
   */
  default Shrinker<T> keeping(java.util.function.Predicate<? super T> keep) {
    return v -> shrink(v).filter(keep);
  }

  /**
   * This shrinker's proposals, then those of {@code other}.
   *
   * @param other another shrinker of the same type
   * @return proposals of this one, then of {@code other}
   */
  default Shrinker<T> or(Shrinker<T> other) {
    return v -> Stream.concat(shrink(v), other.shrink(v));
  }

  /**
   * Shrinks a part of a value and puts it back.
   *
   * @param get reads the part
   * @param set rebuilds the value with a smaller part
   * @param part shrinks the part
   * @param <T> the value type
   * @param <P> the part type
   * @return the shrinker of the whole
   */
  static <T, P> Shrinker<T> onPart(Function<T, P> get, java.util.function.BiFunction<T, P, T> set, Shrinker<P> part) {
    return v -> part.shrink(get.apply(v)).map(p -> set.apply(v, p));
  }
}
