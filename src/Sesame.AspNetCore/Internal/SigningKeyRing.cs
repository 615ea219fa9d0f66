using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The keys Sesame signs with, cached in memory as an immutable snapshot that the verify path reads without a lock: the
/// access-token signing keys (RS256) and the refresh-token MAC keys (HS256). Keys live in the store, encrypted with the app's
/// Data Protection key ring, so instances sharing a database agree. Each kind rotates on its own interval; a retired key keeps
/// verifying while tokens it signed can be alive and is then deleted. The ring is reloaded periodically
/// (<see cref="SesameServerOptions.KeyReloadInterval"/>), on an unknown key id (rate-limited), and when a key is due.
/// </summary>
internal sealed class SigningKeyRing(ISessionStore store, StoreInitializer initializer, SesameSettings settings, KeyMaterialProtector protector,
    TimeProvider time, ILogger<SigningKeyRing> logger) : IDisposable
{
    public const string AccessTokenAlgorithm = "RS256";
    public const string MacKeyAlgorithm = "HS256";

    /// <summary>The refresh-token key that versions before 2 kept in plain text; their tokens carry no key id.</summary>
    public const string LegacyRefreshKeyId = "r-legacy";

    // At most one reload per this period is caused by unknown key ids, so hostile tokens cannot hammer the store.
    private static readonly TimeSpan UnknownKidReloadPeriod = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly Lock _unknownKidGate = new();
    private volatile KeySnapshot? _snapshot;
    private Task? _unknownKidReload;
    private DateTimeOffset _lastUnknownKidReload = DateTimeOffset.MinValue;

    /// <summary>Loads the keys, protects plain ones, and makes the first (or a due) key. Called at start-up: unreadable keys fail it.</summary>
    public Task EnsureReadyAsync(CancellationToken cancellationToken) => ReloadAsync(ReloadReason.Startup, null, cancellationToken);

    /// <summary>Reloads from the store (the periodic reload): picks up other instances' new, revoked and deleted keys.</summary>
    public Task ReloadAsync(CancellationToken cancellationToken) => ReloadAsync(ReloadReason.Periodic, null, cancellationToken);

    /// <summary>The verification key for <paramref name="keyId"/> from the cache, or <see langword="null"/>.</summary>
    public SecurityKey? Find(string keyId) =>
        _snapshot is { } snapshot && snapshot.Keys.TryGetValue(keyId, out var key) ? key : null;

    /// <summary>The refresh-token key <paramref name="keyId"/> from the cache, or <see langword="null"/>.</summary>
    public RefreshTokenKey? FindRefreshKey(string keyId) =>
        _snapshot is { } snapshot && snapshot.RefreshKeys.TryGetValue(keyId, out var key) ? key : null;

    /// <summary>Reloads from the store (rate-limited) and looks again: the key may be another instance's newer one.</summary>
    public async ValueTask<SecurityKey?> FindAfterReloadAsync(string keyId) =>
        await ReloadForUnknownKeyAsync().ConfigureAwait(false) ? Find(keyId) : null;

    /// <summary>As <see cref="FindAfterReloadAsync"/>, for a refresh-token key.</summary>
    public async ValueTask<RefreshTokenKey?> FindRefreshKeyAfterReloadAsync(string keyId) =>
        await ReloadForUnknownKeyAsync().ConfigureAwait(false) ? FindRefreshKey(keyId) : null;

    /// <summary>The credentials of the newest signing key, rotating first when the rotation interval has passed.</summary>
    public async ValueTask<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).Signing;

    /// <summary>The newest refresh-token key, rotating first when its rotation interval has passed.</summary>
    public async ValueTask<RefreshTokenKey> GetRefreshKeyAsync(CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).RefreshSigning;

    /// <summary>The JWKS document and how many seconds it may be cached (until the next key, at least 1).</summary>
    public async ValueTask<(byte[] Json, int MaxAgeSeconds)> GetJwksAsync(CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        var seconds = (int)Math.Clamp((snapshot.RotateAt - time.GetUtcNow()).TotalSeconds, 1, int.MaxValue);
        return (snapshot.JwksJson, seconds);
    }

    /// <summary>Every stored key as this instance sees it after a reload.</summary>
    public async Task<IReadOnlyList<SigningKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(ReloadReason.Periodic, null, cancellationToken).ConfigureAwait(false);
        return _snapshot!.Listing;
    }

    /// <summary>Makes a new key of <paramref name="algorithm"/> now, which signs from then on; the previous one turns verify-only.</summary>
    public async Task<SigningKeyInfo> RotateAsync(string algorithm, CancellationToken cancellationToken)
    {
        var created = await ReloadAsync(ReloadReason.Periodic, algorithm, cancellationToken).ConfigureAwait(false);
        return _snapshot!.Listing.First(k => string.Equals(k.KeyId, created, StringComparison.Ordinal));
    }

    /// <summary>
    /// Deletes <paramref name="keyId"/> from the store and this instance's ring at once (its tokens fail verification from now on),
    /// then rotates its kind to a new key. Other instances drop it at their next reload.
    /// </summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var stored = await store.GetSigningKeysAsync(cancellationToken).ConfigureAwait(false);
        var key = stored.FirstOrDefault(k => string.Equals(k.KeyId, keyId, StringComparison.Ordinal));
        if (key is null)
        {
            return false;
        }

        await store.DeleteSigningKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        Log.KeyRevoked(logger, keyId, key.Algorithm);
        await ReloadAsync(ReloadReason.Periodic, key.Algorithm, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<KeySnapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var now = time.GetUtcNow();
        if (snapshot is null || now >= snapshot.RotateAt || now >= snapshot.RefreshRotateAt)
        {
            await ReloadAsync(ReloadReason.Periodic, null, cancellationToken).ConfigureAwait(false);
            snapshot = _snapshot!;
        }

        return snapshot;
    }

    private async Task<bool> ReloadForUnknownKeyAsync()
    {
        Task reload;
        lock (_unknownKidGate)
        {
            var now = time.GetUtcNow();
            if (_unknownKidReload is { IsCompleted: false } pending)
            {
                reload = pending;
            }
            else if (now - _lastUnknownKidReload < UnknownKidReloadPeriod)
            {
                return false;
            }
            else
            {
                _lastUnknownKidReload = now;
                // Not tied to the request: other requests with the same kid await the same reload.
                reload = _unknownKidReload = ReloadAsync(ReloadReason.Periodic, null, CancellationToken.None);
            }
        }

        try
        {
            await reload.ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex)
        {
            Log.SigningKeyReloadFailed(logger, ex);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads the store and rebuilds the snapshot: protects plain rows (versions before 2), handles unreadable rows, deletes keys
    /// no token can need any more, and makes a new key of each kind that is due (or of <paramref name="forceRotation"/>).
    /// </summary>
    /// <returns>The id of the key made for <paramref name="forceRotation"/>, else <see langword="null"/>.</returns>
    private async Task<string?> ReloadAsync(ReloadReason reason, string? forceRotation, CancellationToken cancellationToken)
    {
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var stored = await store.GetSigningKeysAsync(cancellationToken).ConfigureAwait(false);

            // 1. Rows written in plain text by an earlier version: encrypt them in place (a compare-and-set, so instances
            //    starting at once do not overwrite each other).
            var plain = stored.Where(static k => !k.IsProtected).ToList();
            foreach (var key in plain)
            {
                if (await store.TryProtectSigningKeyAsync(key.KeyId, protector.Protect(key.PrivateKeyPkcs8), cancellationToken).ConfigureAwait(false))
                {
                    Log.KeyProtected(logger, key.KeyId);
                }
            }

            if (plain.Count > 0)
            {
                stored = await store.GetSigningKeysAsync(cancellationToken).ConfigureAwait(false);
            }

            // 2. Decrypt (reusing what the previous snapshot already holds). Unreadable keys at start-up are an error unless
            //    the app opted in to discarding them.
            var material = Decrypt(stored, out var unreadable);
            if (unreadable.Count > 0)
            {
                if (reason == ReloadReason.Startup && !settings.Options.DiscardUnreadableKeys)
                {
                    throw UnreadableKeysError(unreadable);
                }

                if (reason == ReloadReason.Startup)
                {
                    Log.UnreadableKeysDiscarded(logger, unreadable.Count, string.Join(", ", unreadable.Select(static k => k.KeyId)));
                    foreach (var key in unreadable)
                    {
                        await store.DeleteSigningKeyAsync(key.KeyId, cancellationToken).ConfigureAwait(false);
                    }

                    stored = [.. stored.Except(unreadable)];
                }
                else
                {
                    // Another instance with a different key ring wrote them: skip, never delete what others may read.
                    foreach (var key in unreadable)
                    {
                        Log.UnreadableKeySkipped(logger, key.KeyId);
                    }

                    stored = [.. stored.Except(unreadable)];
                }
            }

            // 3. Delete keys that no live token can have been signed with; 4. make due keys.
            stored = await DeleteExpiredAsync(stored, now, cancellationToken).ConfigureAwait(false);
            string? forced = null;
            var created = false; // a key was made (by us or, same id, by another instance): read the store again
            foreach (var algorithm in (string[])[AccessTokenAlgorithm, MacKeyAlgorithm])
            {
                var newest = Newest(stored, algorithm);
                // Keys stored in plain text by an earlier version are dated 1970 by the schema migration: due at once.
                var force = string.Equals(forceRotation, algorithm, StringComparison.Ordinal);
                if (newest is null || force || now >= newest.CreatedAt + RotationInterval(algorithm))
                {
                    var key = CreateKey(algorithm, now, force);
                    var plainMaterial = key.PrivateKeyPkcs8;
                    var row = key with { PrivateKeyPkcs8 = protector.Protect(plainMaterial) };
                    row = row with { IsProtected = true };
                    // Not added: another instance added a key of that id at the same moment; the re-read below picks it up.
                    created = true;
                    if (await store.TryAddSigningKeyAsync(row, cancellationToken).ConfigureAwait(false))
                    {
                        Log.SigningKeyCreated(logger, key.KeyId);
                        material[key.KeyId] = plainMaterial;
                        if (force)
                        {
                            forced = key.KeyId;
                        }
                    }
                }
            }

            if (created)
            {
                // Other instances may have added keys at the same moment: sign with whichever is newest in the store.
                stored = await store.GetSigningKeysAsync(cancellationToken).ConfigureAwait(false);
                var others = Decrypt([.. stored.Where(k => !material.ContainsKey(k.KeyId))], out var skipped);
                foreach (var (keyId, value) in others)
                {
                    material[keyId] = value;
                }

                stored = [.. stored.Except(skipped)];
            }

            _snapshot = BuildSnapshot(stored, material, now);
            Log.SigningKeysLoaded(logger, _snapshot.Keys.Count, _snapshot.Signing.Key.KeyId);
            return forced;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private TimeSpan RotationInterval(string algorithm) => string.Equals(algorithm, AccessTokenAlgorithm, StringComparison.Ordinal)
        ? settings.Options.SigningKeyRotationInterval
        : settings.Options.RefreshTokenKeyRotationInterval;

    /// <summary>
    /// How long a retired key keeps verifying. An access token lives at most its lifetime (doubled, as the core does, for clock
    /// skew and in-flight requests). A refresh token minted at <c>t</c> can be promoted as late as <c>t + lifetime</c> (the
    /// session's expiry then) and stays the session's current token for another lifetime after that: twice the lifetime.
    /// </summary>
    private TimeSpan Retention(string algorithm) => string.Equals(algorithm, AccessTokenAlgorithm, StringComparison.Ordinal)
        ? settings.Options.AccessTokenLifetime * 2
        : settings.Options.RefreshTokenLifetime * 2;

    private async Task<IReadOnlyList<StoredSigningKey>> DeleteExpiredAsync(IReadOnlyList<StoredSigningKey> stored, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        List<StoredSigningKey>? deleted = null;
        foreach (var key in stored)
        {
            if (RetiredAt(stored, key) is { } retiredAt && now >= retiredAt + Retention(key.Algorithm))
            {
                await store.DeleteSigningKeyAsync(key.KeyId, cancellationToken).ConfigureAwait(false);
                Log.KeyDeleted(logger, key.KeyId);
                (deleted ??= []).Add(key);
            }
        }

        return deleted is null ? stored : [.. stored.Except(deleted)];
    }

    /// <summary>When <paramref name="key"/> stopped signing: when the next newer key of its kind was made; null for the newest.</summary>
    private static DateTimeOffset? RetiredAt(IReadOnlyList<StoredSigningKey> stored, StoredSigningKey key)
    {
        DateTimeOffset? successor = null;
        foreach (var other in stored)
        {
            if (string.Equals(other.Algorithm, key.Algorithm, StringComparison.Ordinal) && IsNewer(other, key)
                && (successor is null || other.CreatedAt < successor))
            {
                successor = other.CreatedAt;
            }
        }

        return successor;
    }

    private static bool IsNewer(StoredSigningKey a, StoredSigningKey b) =>
        a.CreatedAt > b.CreatedAt || (a.CreatedAt == b.CreatedAt && string.CompareOrdinal(a.KeyId, b.KeyId) > 0);

    private static StoredSigningKey? Newest(IReadOnlyList<StoredSigningKey> keys, string algorithm)
    {
        StoredSigningKey? newest = null;
        foreach (var key in keys)
        {
            if (string.Equals(key.Algorithm, algorithm, StringComparison.Ordinal) && (newest is null || IsNewer(key, newest)))
            {
                newest = key;
            }
        }

        return newest;
    }

    /// <summary>The plain material of every readable key, reusing the previous snapshot's (no decryption per reload).</summary>
    private Dictionary<string, byte[]> Decrypt(IReadOnlyList<StoredSigningKey> stored, out List<StoredSigningKey> unreadable)
    {
        var previous = _snapshot;
        var material = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        unreadable = [];
        foreach (var key in stored)
        {
            if (previous is not null && previous.Material.TryGetValue(key.KeyId, out var known))
            {
                material[key.KeyId] = known;
            }
            else if (!key.IsProtected)
            {
                material[key.KeyId] = key.PrivateKeyPkcs8; // a plain row another instance has not protected yet
            }
            else if (protector.TryUnprotect(key.PrivateKeyPkcs8) is { } plain)
            {
                material[key.KeyId] = plain;
            }
            else
            {
                unreadable.Add(key);
            }
        }

        return material;
    }

    private static InvalidOperationException UnreadableKeysError(List<StoredSigningKey> unreadable) => new(
        $"Sesame cannot decrypt {unreadable.Count} of its stored keys ({string.Join(", ", unreadable.Select(static k => k.KeyId))}) with this " +
        "app's ASP.NET Core Data Protection key ring. They were written under another key ring: a different key folder, Redis key, " +
        "certificate or application name, or the key ring was lost (kept in memory only, or in a container's file system). Give " +
        "every instance the key ring that wrote them (services.AddDataProtection().PersistKeysTo…(…).SetApplicationName(\"…\")). " +
        "To discard the unreadable keys instead and make new ones, which signs every user out, set Session:DiscardUnreadableKeys " +
        "to true for one start. See docs/security.md, \"Key-compromise runbook\".");

    private static StoredSigningKey CreateKey(string algorithm, DateTimeOffset now, bool forced)
    {
        var prefix = string.Equals(algorithm, AccessTokenAlgorithm, StringComparison.Ordinal) ? "d-" : "r-";
        // A due key is named by its millisecond alone, so instances rotating at the same moment add one key, not one each (the
        // store keeps the first). A forced key (rotate, revoke) gets a random suffix: it must never take the id of the key it
        // replaces, even within one millisecond, since a revoked key's tokens are recognised by their kid (the verified-token
        // cache trusts a token while its kid is in the ring).
        var keyId = prefix + now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        if (forced)
        {
            keyId += "-" + TokenCrypto.RandomBase64Url(6);
        }

        if (string.Equals(algorithm, AccessTokenAlgorithm, StringComparison.Ordinal))
        {
            using var rsa = RSA.Create(2048);
            return new StoredSigningKey(keyId, algorithm, rsa.ExportPkcs8PrivateKey(), now);
        }

        return new StoredSigningKey(keyId, algorithm, RandomNumberGenerator.GetBytes(32), now);
    }

    private KeySnapshot BuildSnapshot(IReadOnlyList<StoredSigningKey> stored, Dictionary<string, byte[]> material, DateTimeOffset now)
    {
        var previous = _snapshot;
        var keys = new Dictionary<string, RsaSecurityKey>(StringComparer.Ordinal);
        var refreshKeys = new Dictionary<string, RefreshTokenKey>(StringComparer.Ordinal);
        var kept = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var listing = new List<SigningKeyInfo>();
        var newestAccess = Newest([.. stored.Where(k => material.ContainsKey(k.KeyId))], AccessTokenAlgorithm)
            ?? throw new InvalidOperationException("No readable access-token signing key is stored.");
        var newestRefresh = Newest([.. stored.Where(k => material.ContainsKey(k.KeyId))], MacKeyAlgorithm)
            ?? throw new InvalidOperationException("No readable refresh-token key is stored.");
        var jwks = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(jwks))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in stored)
            {
                if (!material.TryGetValue(key.KeyId, out var plain))
                {
                    continue;
                }

                var retiredAt = RetiredAt(stored, key);
                var isCurrent = key == newestAccess || key == newestRefresh;
                if (!isCurrent && retiredAt is { } retired && now >= retired + Retention(key.Algorithm))
                {
                    continue;
                }

                if (key.Algorithm is MacKeyAlgorithm)
                {
                    refreshKeys[key.KeyId] = previous?.RefreshKeys.GetValueOrDefault(key.KeyId) ?? new RefreshTokenKey(key.KeyId, plain);
                }
                else if (string.Equals(key.Algorithm, AccessTokenAlgorithm, StringComparison.Ordinal))
                {
                    // Reuse the RSA object of a key we already hold, so cached signature providers stay warm.
                    if (previous is null || !previous.Keys.TryGetValue(key.KeyId, out var securityKey))
                    {
                        var rsa = RSA.Create();
                        rsa.ImportPkcs8PrivateKey(plain, out _);
                        securityKey = new RsaSecurityKey(rsa) { KeyId = key.KeyId };
                    }

                    keys[key.KeyId] = securityKey;
                    WriteJwk(writer, securityKey);
                }
                else
                {
                    continue;
                }

                kept[key.KeyId] = plain;
                listing.Add(new SigningKeyInfo(key.KeyId, key.Algorithm, key.CreatedAt, isCurrent,
                    isCurrent ? null : retiredAt + Retention(key.Algorithm)));
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var signing = new SigningCredentials(keys[newestAccess.KeyId], SecurityAlgorithms.RsaSha256);
        return new KeySnapshot(keys, signing, newestAccess.CreatedAt + settings.Options.SigningKeyRotationInterval, jwks.WrittenSpan.ToArray(),
            refreshKeys, refreshKeys[newestRefresh.KeyId], newestRefresh.CreatedAt + settings.Options.RefreshTokenKeyRotationInterval,
            kept, listing);
    }

    private static void WriteJwk(Utf8JsonWriter writer, RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(false);
        writer.WriteStartObject();
        writer.WriteString("kty", "RSA");
        writer.WriteString("kid", key.KeyId);
        writer.WriteString("n", Base64Url.EncodeToString(parameters.Modulus));
        writer.WriteString("e", Base64Url.EncodeToString(parameters.Exponent));
        writer.WriteString("alg", "RS256");
        writer.WriteString("use", "sig");
        writer.WriteEndObject();
    }

    public void Dispose() => _reloadGate.Dispose();

    private enum ReloadReason
    {
        Startup,
        Periodic,
    }

    private sealed record KeySnapshot(
        Dictionary<string, RsaSecurityKey> Keys,
        SigningCredentials Signing,
        DateTimeOffset RotateAt,
        byte[] JwksJson,
        Dictionary<string, RefreshTokenKey> RefreshKeys,
        RefreshTokenKey RefreshSigning,
        DateTimeOffset RefreshRotateAt,
        Dictionary<string, byte[]> Material,
        IReadOnlyList<SigningKeyInfo> Listing);
}
