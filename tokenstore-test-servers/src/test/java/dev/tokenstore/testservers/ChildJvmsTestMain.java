package dev.tokenstore.testservers;

/**
 * The worker of {@link ChildJvmsTest}: {@code ok <threads>} waits for the start signal, then each thread prints
 * {@code thread <n>}; {@code fail} waits for the signal, then fails in one of two threads.
 */
public final class ChildJvmsTestMain {
  private ChildJvmsTestMain() {}

  public static void main(String[] args) throws Exception {
    ChildJvms.awaitGo();
    if (args[0].equals("fail")) {
      ChildJvms.inThreads(2, n -> {
        if (n == 1) {
          throw new IllegalStateException("worker " + n + " failed on purpose");
        }
      });
    } else {
      ChildJvms.inThreads(Integer.parseInt(args[1]), n -> System.out.println("thread " + n));
    }
  }
}
