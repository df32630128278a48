package dev.tokenstore.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;

/**
 * The registrations of a WebFlux application as the {@link ClientRegistrationRepository} that
 * {@link RegistrationTokenManagers} reads: a copy when the reactive repository can list them (Spring Boot's
 * {@code InMemoryReactiveClientRegistrationRepository} can), else a view that blocks on each lookup (only ever
 * called on the blocking scheduler of the reactive service and manager). Stateless and thread-safe.
 */
public final class ReactiveRegistrations {
  private ReactiveRegistrations() {}

  public static ClientRegistrationRepository of(ReactiveClientRegistrationRepository reactive) {
    Objects.requireNonNull(reactive, "reactive");
    if (reactive instanceof Iterable<?> all) {
      List<ClientRegistration> list = new ArrayList<>();
      for (Object o : all) {
        if (o instanceof ClientRegistration r) {
          list.add(r);
        }
      }
      if (!list.isEmpty()) {
        return new InMemoryClientRegistrationRepository(list);
      }
    }
    return new ClientRegistrationRepository() {
      @Override
      public @Nullable ClientRegistration findByRegistrationId(String registrationId) {
        return reactive.findByRegistrationId(registrationId).block();
      }
    };
  }
}
