package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Runs the shaded jar (built by {@code package}, before failsafe runs) as a separate process. */
final class Jar {
  static final long TIMEOUT_SECONDS = 60;

  private Jar() {}

  record Result(int exit, String out, String err) {
    String all() {
      return out + err;
    }
  }

  static Path jar() {
    String p = System.getProperty("tokenstore.jar");
    assertThat(p).as("system property tokenstore.jar (set by failsafe)").isNotNull();
    Path jar = Path.of(p);
    assertThat(jar).as("the shaded jar; run 'mvn verify', which builds it first").exists();
    return jar;
  }

  static ProcessBuilder builder(Path home, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Duser.home=" + home);
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("TOKENSTORE_"));
    return pb;
  }

  /** Runs to completion (bounded), stdin empty and not a terminal. */
  static Result run(Path home, String... args) throws Exception {
    return finish(builder(home, args));
  }

  /** Runs {@code pb} (from {@link #builder}, perhaps with a changed environment) to completion. */
  static Result finish(ProcessBuilder pb) throws Exception {
    Path home = Path.of(pb.command().stream().filter(a -> a.startsWith("-Duser.home=")).findFirst().orElseThrow()
        .substring("-Duser.home=".length()));
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    p.getOutputStream().close();
    try {
      assertThat(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("tokenstore %s finished", pb.command()).isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** A running process whose stdout lines arrive in a queue. */
  static final class Running implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringBuilder err = new StringBuilder();

    Running(Path home, String... args) throws IOException {
      process = builder(home, args).start();
      process.getOutputStream().close();
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException e) {
          // process ended
        }
      });
      t.setDaemon(true);
      t.start();
      Thread e = new Thread(() -> {
        try {
          String s = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
          synchronized (err) {
            err.append(s);
          }
        } catch (IOException ex) {
          // process ended
        }
      });
      e.setDaemon(true);
      e.start();
    }

    /** The next stdout line starting with {@code prefix} (bounded wait). */
    String lineStartingWith(String prefix) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
      while (System.nanoTime() < deadline) {
        String l = lines.poll(1, TimeUnit.SECONDS);
        if (l != null && l.startsWith(prefix)) {
          return l;
        }
        if (l == null && !process.isAlive() && lines.isEmpty()) {
          break;
        }
      }
      throw new AssertionError("no line starting with '" + prefix + "'; stderr: " + stderr());
    }

    int awaitExit() throws InterruptedException {
      assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
      return process.exitValue();
    }

    String stdoutSoFar() {
      return String.join("\n", lines);
    }

    String stderr() {
      synchronized (err) {
        return err.toString();
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
