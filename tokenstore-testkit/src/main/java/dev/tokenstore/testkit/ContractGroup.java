package dev.tokenstore.testkit;

import dev.tokenstore.TokenStore;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of the parts of {@link TokenStoreContract} ({@link RoundTripContract}, {@link MatchingContract},
 * {@link SavingContract}, {@link DeletingContract}, {@link LifecycleContract}, {@link ConcurrencyContract},
 * {@link PagingContract}):
 * each runs as a {@code @Nested} class of the contract and sees the contract's store under test and settings
 * through this base.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class ContractGroup {
  private final TokenStoreContract contract;

  /** The contract's store under test, {@link TokenStoreContract#store}, taken before each test. */
  TokenStore store;

  ContractGroup(TokenStoreContract contract) {
    this.contract = contract;
  }

  /** Runs after the contract's {@code @BeforeEach} methods (JUnit runs the enclosing class's first). */
  @BeforeEach
  void takeTheStoreUnderTest() {
    store = contract.store;
  }

  /** {@link TokenStoreContract#open()}. */
  TokenStore open() throws Exception {
    return contract.open();
  }

  /** {@link TokenStoreContract#persistent()}. */
  boolean persistent() {
    return contract.persistent();
  }

  /** {@link TokenStoreContract#threads()}. */
  int threads() {
    return contract.threads();
  }
}
