package io.velociraptor.testkit;

import io.velociraptor.core.model.InvalidValueException;
import java.util.HashSet;
import java.util.Set;

/**
 * How long each step of a wave takes in {@link RolloutSimulator}, in whole seconds: starting one
 * proc, uptesting one proc, one balancer call (a pool's adds, or its removes), stopping one proc.
 * The waits of the update policy ({@code min_healthy_seconds}, {@code drain_seconds}) come from the
 * swarm. The defaults are {@code start=5,uptest=3,route=1,stop=2}; the command line's form is
 * {@code --step-seconds start=2,uptest=1}.
 *
 * @param start seconds to start one proc
 * @param uptest seconds to uptest one proc
 * @param route seconds for one balancer call
 * @param stop seconds to stop one proc
 */
public record StepSeconds(int start, int uptest, int route, int stop) {
  /** The most seconds one step may take (a day). */
  public static final int MAX = 86_400;

  /**
   * Step durations.
   *
   * @param start seconds to start one proc
   * @param uptest seconds to uptest one proc
   * @param route seconds for one balancer call
   * @param stop seconds to stop one proc
   * @throws InvalidValueException if one is negative or over {@link #MAX}
   */
  public StepSeconds {
    check("start", start);
    check("uptest", uptest);
    check("route", route);
    check("stop", stop);
  }

  /** The defaults: start 5 s, uptest 3 s, route 1 s, stop 2 s. */
  public static StepSeconds defaults() {
    return new StepSeconds(5, 3, 1, 2);
  }

  /**
   * Reads a {@code --step-seconds} value, {@code start=2,uptest=1}: the steps it names, the
   * defaults for the others.
   *
   * @param text the value
   * @return the step durations
   * @throws InvalidValueException naming {@code --step-seconds}, the text and what is wrong with it
   */
  public static StepSeconds parse(String text) {
    String option = "--step-seconds";
    if (text == null || text.isBlank()) {
      throw InvalidValueException.of(option, text == null ? "" : text, "is empty: write start=2,uptest=1,route=1,stop=2");
    }
    StepSeconds d = defaults();
    int start = d.start;
    int uptest = d.uptest;
    int route = d.route;
    int stop = d.stop;
    Set<String> seen = new HashSet<>();
    for (String item : text.split(",", -1)) {
      int eq = item.indexOf('=');
      if (eq < 0) {
        throw InvalidValueException.of(option, text, "\"" + item + "\" is not STEP=SECONDS (start=2)");
      }
      String key = item.substring(0, eq).trim();
      String value = item.substring(eq + 1).trim();
      if (!value.matches("[0-9]{1,6}") || Integer.parseInt(value) > MAX) {
        throw InvalidValueException.of(option, text, "\"" + value + "\" for " + key + " is not a whole number of"
            + " seconds from 0 to " + MAX);
      }
      int s = Integer.parseInt(value);
      if (!seen.add(key)) {
        throw InvalidValueException.of(option, text, key + " is given twice");
      }
      switch (key) {
        case "start" -> start = s;
        case "uptest" -> uptest = s;
        case "route" -> route = s;
        case "stop" -> stop = s;
        default -> throw InvalidValueException.of(option, text, "\"" + key + "\" is not a step: give start, uptest,"
            + " route or stop (min_healthy_seconds and drain_seconds come from the swarm's update policy)");
      }
    }
    return new StepSeconds(start, uptest, route, stop);
  }

  /** The durations in the command line's form, {@code start=5,uptest=3,route=1,stop=2}. */
  public String format() {
    return "start=" + start + ",uptest=" + uptest + ",route=" + route + ",stop=" + stop;
  }

  private static void check(String step, int seconds) {
    if (seconds < 0 || seconds > MAX) {
      throw InvalidValueException.of("step seconds " + step, seconds, "must be from 0 to " + MAX);
    }
  }
}
