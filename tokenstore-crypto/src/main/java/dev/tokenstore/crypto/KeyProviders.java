package dev.tokenstore.crypto;

import com.google.crypto.tink.AccessesPartialKey;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.daead.AesSivKey;
import com.google.crypto.tink.daead.AesSivParameters;
import com.google.crypto.tink.subtle.Hkdf;
import com.google.crypto.tink.util.SecretBytes;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.UnrecoverableKeyException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The built-in {@link KeyProvider}s and the one text form that names each, as {@code --keyring} and
 * {@code TOKENSTORE_KEYRING} take it:
 * <ul>
 *   <li>{@code PATH} or {@code file:PATH}: a keyring file ({@link KeyringFile});
 *   <li>{@code env:NAME}: the keyring's text ({@link Keyring#toJson()}) in environment variable {@code NAME};
 *   <li>{@code pkcs12:PATH}: a PKCS#12 keystore of secret keys, its password in {@code TOKENSTORE_KEYSTORE_PASSWORD}
 *       (see {@link #pkcs12}).
 * </ul>
 * Stateless and thread-safe; the providers it returns are thread-safe.
 */
public final class KeyProviders {
  /** The environment variable that holds a PKCS#12 keystore's password. */
  public static final String KEYSTORE_PASSWORD_VARIABLE = "TOKENSTORE_KEYSTORE_PASSWORD";
  private static final Pattern NUMBERED_ALIAS = Pattern.compile("tokenstore-(\\d{1,10})");
  private static final byte[] HKDF_SALT = "tokenstore-keyring".getBytes(StandardCharsets.UTF_8);

  private KeyProviders() {}

  /** A provider that always returns {@code keyring}. */
  public static KeyProvider fixed(Keyring keyring) {
    Objects.requireNonNull(keyring, "keyring");
    return new KeyProvider() {
      @Override
      public Keyring keyring() {
        return keyring;
      }

      @Override
      public String description() {
        return "a keyring given in code";
      }
    };
  }

  /**
   * The provider {@code spec} names (see the class comment), reading variables from {@code environment}.
   *
   * @throws TokenstoreException {@link ErrorCode#KEYRING_ERROR} for an empty spec, an unset variable or a missing
   *     password
   */
  public static KeyProvider parse(String spec, Map<String, String> environment) {
    if (spec.isBlank()) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keyring is empty: give a path, env:NAME or "
          + "pkcs12:PATH.");
    }
    if (spec.startsWith("env:")) {
      return environment(spec.substring(4), environment);
    }
    if (spec.startsWith("pkcs12:")) {
      String password = environment.get(KEYSTORE_PASSWORD_VARIABLE);
      if (password == null || password.isEmpty()) {
        throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keystore " + spec.substring(7) + " needs its "
            + "password in the environment variable " + KEYSTORE_PASSWORD_VARIABLE + ".");
      }
      return pkcs12(Path.of(spec.substring(7)), password.toCharArray());
    }
    return KeyringFile.at(Path.of(spec.startsWith("file:") ? spec.substring(5) : spec));
  }

  /** The keyring whose text ({@link Keyring#toJson()}) is in environment variable {@code name}, read once. */
  public static KeyProvider environment(String name, Map<String, String> environment) {
    String text = environment.get(name);
    if (text == null || text.isBlank()) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The environment variable " + name + " is not set "
          + "or empty; it should hold a keyring's text (the content of a file made by 'tokenstore keys init').");
    }
    Keyring k = Keyring.fromJson(text, "The environment variable " + name);
    return new KeyProvider() {
      @Override
      public Keyring keyring() {
        return k;
      }

      @Override
      public String description() {
        return "the environment variable " + name;
      }
    };
  }

  /**
   * The keyring made from the secret keys of a PKCS#12 keystore ({@code keytool -genseckey -keyalg AES -keysize 256
   * -storetype PKCS12 -alias tokenstore-1 -keystore keys.p12}), read again when the file changes.
   *
   * <p>Each secret-key entry of at least 32 bytes is one key: its AES-SIV key is derived with HKDF-SHA256 (salt
   * {@code tokenstore-keyring}, info the alias), its key id is the number of an alias {@code tokenstore-N}, else
   * the first 31 bits of the SHA-256 of the alias. The primary key is the entry made last (the keystore's
   * creation date; the greater alias on a tie): add an entry to rotate. Other entries (certificates, private
   * keys) are ignored.
   */
  public static KeyProvider pkcs12(Path path, char[] password) {
    char[] pw = password.clone();
    Path file = path.toAbsolutePath().normalize();
    return new KeyProvider() {
      private long stamp = Long.MIN_VALUE;
      private @Nullable Keyring held;

      @Override
      public synchronized Keyring keyring() {
        long now = modified(file);
        if (held == null || now != stamp) {
          held = readPkcs12(file, pw);
          stamp = now;
        }
        return held;
      }

      @Override
      public String description() {
        return "the keystore " + file;
      }
    };
  }

  private static long modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis() ^ (Files.size(file) << 20);
    } catch (IOException e) {
      return -1;
    }
  }

  @AccessesPartialKey // builds Tink keys from the keystore's key bytes
  private static Keyring readPkcs12(Path file, char[] password) {
    KeyStore ks;
    try (InputStream in = Files.newInputStream(file)) {
      ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password);
    } catch (NoSuchFileException e) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keystore " + file + " does not exist.");
    } catch (IOException e) {
      boolean badPassword = e.getCause() instanceof UnrecoverableKeyException;
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "Could not read the keystore " + file + " ("
          + (badPassword ? "wrong password, in " + KEYSTORE_PASSWORD_VARIABLE : e.getClass().getSimpleName()) + ").");
    } catch (GeneralSecurityException e) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "Could not read the keystore " + file + " ("
          + e.getClass().getSimpleName() + ").");
    }
    try {
      record Found(String alias, byte[] key, @Nullable Date created) {}
      List<Found> found = new ArrayList<>();
      for (String alias : Collections.list(ks.aliases())) {
        if (!ks.isKeyEntry(alias)) {
          continue;
        }
        java.security.Key k = ks.getKey(alias, password);
        if (!(k instanceof javax.crypto.SecretKey sk) || sk.getEncoded() == null || sk.getEncoded().length < 32) {
          continue;
        }
        found.add(new Found(alias, sk.getEncoded(), ks.getCreationDate(alias)));
      }
      if (found.isEmpty()) {
        throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keystore " + file + " has no secret key of at "
            + "least 256 bits. Add one: keytool -genseckey -keyalg AES -keysize 256 -storetype PKCS12 -alias "
            + "tokenstore-1 -keystore " + file);
      }
      found.sort(Comparator.comparing((Found f) -> f.created() == null ? new Date(0) : f.created())
          .thenComparing(Found::alias));
      KeysetHandle.Builder b = KeysetHandle.newBuilder();
      Map<Long, Instant> created = new HashMap<>();
      Map<Integer, String> ids = new HashMap<>();
      for (int i = 0; i < found.size(); i++) {
        Found f = found.get(i);
        int id = keyIdOf(f.alias());
        String clash = ids.put(id, f.alias());
        if (clash != null) {
          throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keystore " + file + " has two keys with id "
              + Integer.toUnsignedLong(id) + " (aliases " + clash + " and " + f.alias() + "); rename one.");
        }
        byte[] derived = Hkdf.computeHkdf("HMACSHA256", f.key(), HKDF_SALT,
            f.alias().getBytes(StandardCharsets.UTF_8), 64);
        AesSivKey key = AesSivKey.builder()
            .setParameters(AesSivParameters.builder().setKeySizeBytes(64)
                .setVariant(AesSivParameters.Variant.TINK).build())
            .setKeyBytes(SecretBytes.copyFrom(derived, InsecureSecretKeyAccess.get()))
            .setIdRequirement(id)
            .build();
        Arrays.fill(derived, (byte) 0);
        KeysetHandle.Builder.Entry e = KeysetHandle.importKey(key);
        if (i == found.size() - 1) {
          e.makePrimary();
        }
        b.addEntry(e);
        if (f.created() != null) {
          created.put(Integer.toUnsignedLong(id), f.created().toInstant());
        }
      }
      return Keyring.of(b.build(), created);
    } catch (GeneralSecurityException e) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "Could not read the keys of the keystore " + file
          + " (" + e.getClass().getSimpleName() + ").");
    }
  }

  private static int keyIdOf(String alias) throws GeneralSecurityException {
    Matcher m = NUMBERED_ALIAS.matcher(alias);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      if (n > 0 && n <= 0xFFFFFFFFL) {
        return (int) n;
      }
    }
    byte[] h = MessageDigest.getInstance("SHA-256").digest(alias.getBytes(StandardCharsets.UTF_8));
    return ((h[0] & 0x7F) << 24) | ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
  }
}
