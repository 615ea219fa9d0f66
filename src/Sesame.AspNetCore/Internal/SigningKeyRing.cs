using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The access-token signing keys, cached in memory as an immutable snapshot that the verify path reads without a
/// lock. Keys live in the store, so instances sharing a database agree: a new key is made when the newest is older
/// than the rotation interval, and an unknown <c>kid</c> (signed by another instance's newer key) triggers a
/// rate-limited reload.
/// </summary>
internal sealed class SigningKeyRing(ISessionStore store, StoreInitializer initializer, SesameSettings settings, TimeProvider time,
    ILogger<SigningKeyRing> logger) : IDisposable
{
    // At most one reload per this period is caused by unknown key ids, so hostile tokens cannot hammer the store.
    private static readonly TimeSpan UnknownKidReloadPeriod = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly Lock _unknownKidGate = new();
    private volatile KeySnapshot? _snapshot;
    private Task? _unknownKidReload;
    private DateTimeOffset _lastUnknownKidReload = DateTimeOffset.MinValue;

    /// <summary>Loads the keys and makes the first (or a due) key. Called at start-up.</summary>
    public Task EnsureReadyAsync(CancellationToken cancellationToken) => ReloadAsync(cancellationToken);

    /// <summary>The verification key for <paramref name="keyId"/> from the cache, or <see langword="null"/>.</summary>
    public SecurityKey? Find(string keyId) =>
        _snapshot is { } snapshot && snapshot.Keys.TryGetValue(keyId, out var key) ? key : null;

    /// <summary>Reloads from the store (rate-limited) and looks again: the key may be another instance's newer one.</summary>
    public async ValueTask<SecurityKey?> FindAfterReloadAsync(string keyId)
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
                return null;
            }
            else
            {
                _lastUnknownKidReload = now;
                // Not tied to the request: other requests with the same kid await the same reload.
                reload = _unknownKidReload = ReloadAsync(CancellationToken.None);
            }
        }

        try
        {
            await reload.ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex)
        {
            Log.SigningKeyReloadFailed(logger, ex);
            return null;
        }

        return Find(keyId);
    }

    /// <summary>The credentials of the newest key, rotating first when the rotation interval has passed.</summary>
    public async ValueTask<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null || time.GetUtcNow() >= snapshot.RotateAt)
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
            snapshot = _snapshot!;
        }

        return snapshot.Signing;
    }

    /// <summary>The JWKS document and how many seconds it may be cached (until the next key, at least 1).</summary>
    public async ValueTask<(byte[] Json, int MaxAgeSeconds)> GetJwksAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null || time.GetUtcNow() >= snapshot.RotateAt)
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
            snapshot = _snapshot!;
        }

        var seconds = (int)Math.Clamp((snapshot.RotateAt - time.GetUtcNow()).TotalSeconds, 1, int.MaxValue);
        return (snapshot.JwksJson, seconds);
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var interval = settings.Options.SigningKeyRotationInterval;
            var stored = await store.GetSigningKeysAsync(cancellationToken).ConfigureAwait(false);
            var newest = Newest(stored);
            if (newest is null || now >= newest.CreatedAt + interval)
            {
                var created = CreateKey(now);
                if (await store.TryAddSigningKeyAsync(created, cancellationToken).ConfigureAwait(false))
                {
                    Log.SigningKeyCreated(logger, created.KeyId);
                }

                stored = await store.GetSigningKeysAsync(cancellationToken).ConfigureAwait(false);
                newest = Newest(stored) ?? created;
            }

            _snapshot = BuildSnapshot(stored, newest, now);
            Log.SigningKeysLoaded(logger, _snapshot.Keys.Count, newest.KeyId);
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private static StoredSigningKey? Newest(IReadOnlyList<StoredSigningKey> keys)
    {
        StoredSigningKey? newest = null;
        foreach (var key in keys)
        {
            if (newest is null || key.CreatedAt > newest.CreatedAt)
            {
                newest = key;
            }
        }

        return newest;
    }

    private static StoredSigningKey CreateKey(DateTimeOffset now)
    {
        using var rsa = RSA.Create(2048);
        return new StoredSigningKey("d-" + now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "RS256", rsa.ExportPkcs8PrivateKey(), now);
    }

    private KeySnapshot BuildSnapshot(IReadOnlyList<StoredSigningKey> stored, StoredSigningKey newest, DateTimeOffset now)
    {
        var previous = _snapshot;
        // A key stays listed while tokens it signed can still be alive: as the core, interval + 2 x access-token lifetime.
        var keep = settings.Options.SigningKeyRotationInterval + settings.Options.AccessTokenLifetime + settings.Options.AccessTokenLifetime;
        var keys = new Dictionary<string, RsaSecurityKey>(StringComparer.Ordinal);
        var jwks = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(jwks))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in stored)
            {
                if (key != newest && now >= key.CreatedAt + keep)
                {
                    continue;
                }

                if (!string.Equals(key.Algorithm, "RS256", StringComparison.Ordinal))
                {
                    continue;
                }

                // Reuse the RSA object of a key we already hold, so cached signature providers stay warm.
                RsaSecurityKey securityKey;
                if (previous is not null && previous.Keys.TryGetValue(key.KeyId, out var existing))
                {
                    securityKey = existing;
                }
                else
                {
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(key.PrivateKeyPkcs8, out _);
                    securityKey = new RsaSecurityKey(rsa) { KeyId = key.KeyId };
                }

                keys[key.KeyId] = securityKey;
                var parameters = securityKey.Rsa.ExportParameters(false);
                writer.WriteStartObject();
                writer.WriteString("kty", "RSA");
                writer.WriteString("kid", key.KeyId);
                writer.WriteString("n", Base64Url.EncodeToString(parameters.Modulus));
                writer.WriteString("e", Base64Url.EncodeToString(parameters.Exponent));
                writer.WriteString("alg", "RS256");
                writer.WriteString("use", "sig");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var signing = new SigningCredentials(keys[newest.KeyId], SecurityAlgorithms.RsaSha256);
        return new KeySnapshot(keys, signing, newest.CreatedAt + settings.Options.SigningKeyRotationInterval, jwks.WrittenSpan.ToArray());
    }

    public void Dispose() => _reloadGate.Dispose();

    private sealed record KeySnapshot(Dictionary<string, RsaSecurityKey> Keys, SigningCredentials Signing, DateTimeOffset RotateAt, byte[] JwksJson);
}
