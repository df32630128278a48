package dev.tokenstore.testservers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * The one harness of the multi-process tests: starts child JVMs that run a test's worker main class with the
 * current test classpath, lets them all begin at once, and joins them with bounded waits.
 *
 * <p>Parent side: {@link #start} the children, {@link #startTogether} (every child has printed {@link #READY},
 * then each gets {@code GO} on its standard input), {@link #joinAll} (each ended in time with exit code 0), and
 * close the harness (it kills what is still running). Every failure is an {@link AssertionError} whose message
 * holds each child's standard output and standard error, which are collected line by line ({@link Child#lines()},
 * {@link Child#errorLines()}).
 *
 * <p>Child side: the worker main opens what it tests, calls {@link #awaitGo()}, and may run its work in threads
 * with {@link #inThreads}.
 *
 * <p>Uses only the JDK, so that any module's tests may depend on it. Not thread-safe, except {@link Child}'s
 * readers.
 */
public final class ChildJvms implements AutoCloseable {
  /** The line a child prints (through {@link #awaitGo()}) once it is ready to start. */
  public static final String READY = "READY";

  private static final String GO = "GO";
  private static final List<String> JVM_OPTIONS = List.of("-Xmx128m", "-XX:TieredStopAtLevel=1");
  private static final long POLL_MILLIS = 10;

  private final List<Child> children;

  private ChildJvms(List<Child> children) {
    this.children = List.copyOf(children);
  }

  /**
   * Starts {@code count} JVMs running {@code mainClass} with the current classpath; child {@code i} is named
   * {@code p<i>} and gets the arguments {@code args.apply(i)}.
   */
  public static ChildJvms start(Class<?> mainClass, int count, IntFunction<List<String>> args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Child> started = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(JVM_OPTIONS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args.apply(i));
        started.add(new Child("p" + i, new ProcessBuilder(command).start()));
      }
    } catch (IOException e) {
      started.forEach(Child::kill);
      throw new UncheckedIOException("could not start a child JVM running " + mainClass.getName(), e);
    }
    return new ChildJvms(started);
  }

  /** The children, in the order started. */
  public List<Child> children() {
    return children;
  }

  /** Child {@code i}. */
  public Child get(int i) {
    return children.get(i);
  }

  /** The start barrier: waits until every child printed {@link #READY}, then sends each one {@code GO}. */
  public void startTogether(Duration timeout) {
    waitUntil("every child is ready", timeout, () -> {
      for (Child c : children) {
        if (!c.process.isAlive() && !c.saw(READY)) {
          throw new AssertionError("Child " + c.name + " ended before it was ready.\n" + outputs());
        }
      }
      return children.stream().allMatch(c -> c.saw(READY));
    });
    for (Child c : children) {
      c.send(GO);
    }
  }

  /** Waits up to {@code timeout} for every child to end, then asserts that each exited with code 0. */
  public void joinAll(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Child c : children) {
      c.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
  }

  /**
   * Polls {@code condition} until it holds; fails with {@code what} and every child's output after
   * {@code timeout}.
   */
  public void waitUntil(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting until " + what + ".\n"
            + outputs());
      }
      pause();
    }
  }

  /** Every child's standard output and standard error, for failure messages. */
  public String outputs() {
    StringBuilder sb = new StringBuilder();
    children.forEach(c -> sb.append(c.describe()));
    return sb.toString();
  }

  /** Kills every child still running and waits (bounded) for it to go. Idempotent. */
  @Override
  public void close() {
    children.forEach(Child::kill);
  }

  // ------------------------------------------------------------------------------------------ child side

  /**
   * In a child: prints {@link #READY} and blocks until the parent sends {@code GO}. Exits the JVM with code 3 if
   * standard input ends first (the parent went away).
   */
  public static void awaitGo() throws IOException {
    System.out.println(READY);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (!GO.equals(in.readLine())) {
      System.err.println("no " + GO + " from the parent");
      System.exit(3);
    }
  }

  /** The work of one thread of {@link #inThreads}. */
  @FunctionalInterface
  public interface Work {
    /** Runs thread number {@code thread} (0-based). */
    void run(int thread) throws Exception;
  }

  /**
   * Runs {@code work} on {@code threads} threads at once and waits for all of them; throws the first failure
   * (the others added as suppressed).
   */
  public static void inThreads(int threads, Work work) throws Exception {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int n = t;
      Thread thread = new Thread(() -> {
        try {
          work.run(n);
        } catch (Throwable e) {
          errors.add(e);
        }
      }, "worker-" + t);
      thread.start();
      all.add(thread);
    }
    for (Thread thread : all) {
      thread.join();
    }
    if (!errors.isEmpty()) {
      Throwable first = errors.get(0);
      errors.subList(1, errors.size()).forEach(first::addSuppressed);
      if (first instanceof Exception e) {
        throw e;
      }
      throw (Error) first;
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** One child JVM and the lines it printed (read by daemon threads as they come). */
  public static final class Child {
    private final String name;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> errorLines = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    Child(String name, Process process) {
      this.name = name;
      this.process = process;
      this.outReader = reader(process.getInputStream(), lines, name + "-out");
      this.errReader = reader(process.getErrorStream(), errorLines, name + "-err");
    }

    /** {@code p<i>}. */
    public String name() {
      return name;
    }

    /** The process. */
    public Process process() {
      return process;
    }

    /** The lines of standard output so far (all of them once the child ended and was joined). */
    public List<String> lines() {
      return List.copyOf(lines);
    }

    /** The lines of standard error so far. */
    public List<String> errorLines() {
      return List.copyOf(errorLines);
    }

    /** Whether the child printed exactly this line. */
    public boolean saw(String line) {
      return lines.contains(line);
    }

    /** Standard output as one string (after the last lines of an ended child were read). */
    public String output() {
      drain();
      return String.join("\n", lines);
    }

    /** Waits up to {@code timeout} for the child to end and asserts that it exited with code 0. */
    public void join(Duration timeout) {
      boolean ended;
      try {
        ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while joining child " + name, e);
      }
      if (!ended) {
        throw new AssertionError("Child " + name + " did not end within " + timeout.toSeconds() + " s.\n"
            + describe());
      }
      drain();
      if (process.exitValue() != 0) {
        throw new AssertionError("Child " + name + " exited with code " + process.exitValue() + ".\n" + describe());
      }
    }

    /** Kills the child at once ({@code destroyForcibly}) and waits (bounded) until it is gone. */
    public void kill() {
      if (process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** The child's name, state, standard output and standard error. */
    public String describe() {
      drain();
      String state = process.isAlive() ? "running" : "exit code " + process.exitValue();
      return "--- child " + name + " (" + state + ") stdout:\n" + String.join("\n", lines)
          + "\n--- child " + name + " stderr:\n" + String.join("\n", errorLines) + "\n";
    }

    void send(String line) {
      try {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
      } catch (IOException e) {
        throw new AssertionError("could not signal child " + name + ".\n" + describe(), e);
      }
    }

    private void drain() {
      if (!process.isAlive()) {
        try {
          outReader.join(5000);
          errReader.join(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private static Thread reader(InputStream stream, List<String> into, String threadName) {
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            into.add(line);
          }
        } catch (IOException ended) {
          // the process ended
        }
      }, "child-" + threadName);
      t.setDaemon(true);
      t.start();
      return t;
    }
  }
}
