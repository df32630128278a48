package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoreUrisTest {
  @Test
  void masksPasswordsInUserInfoAndQuery() {
    assertThat(StoreUris.mask("mysql://root:hunter2@db:3306/zohooauth?table=t"))
        .isEqualTo("mysql://root:***@db:3306/zohooauth?table=t");
    assertThat(StoreUris.mask("jdbc:postgresql://db/x?user=u&password=hunter2&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/x?user=u&password=***&ssl=true");
    assertThat(StoreUris.mask("redis://:hunter2@localhost:6379/0")).isEqualTo("redis://:***@localhost:6379/0");
    assertThat(StoreUris.mask("sqlite:/tmp/a.db")).isEqualTo("sqlite:/tmp/a.db");
  }

  @Test
  void readsQueryParameters() {
    assertThat(StoreUris.queryParameters("sqlite:a.db?table=my_tokens&Create=false"))
        .containsEntry("table", "my_tokens")
        .containsEntry("create", "false");
    assertThat(StoreUris.withoutQuery("sqlite:a.db?table=x")).isEqualTo("sqlite:a.db");
  }
}
