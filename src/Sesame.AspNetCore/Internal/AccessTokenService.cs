using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Signs and verifies v5 access tokens (RS256 JWTs, header <c>kid</c>, <c>typ: JWT</c>, <c>version: "5"</c>) with
/// <see cref="JsonWebTokenHandler"/>. Times come from the injected <see cref="TimeProvider"/>: the handler's own
/// lifetime check (system clock) is off and <c>exp</c> is checked here instead.
/// </summary>
internal sealed class AccessTokenService
{
    // The JWT of a session with a modest payload is ~1 KB; 16 KB leaves room for big payloads and rejects floods early.
    private const int MaxTokenLength = 16 * 1024;

    /// <summary>Claims the library owns; apps may not set them (docs/protocol/rotation.md#access-tokens, plus node's <c>stt</c>).</summary>
    internal static readonly FrozenReservedClaims Reserved = new(
        ["sub", "exp", "iat", "sessionHandle", "refreshTokenHash1", "parentRefreshTokenHash1", "antiCsrfToken", "tId", "rsub", "stt"]);

    private static readonly Dictionary<string, object> HeaderClaims = new(StringComparer.Ordinal) { ["version"] = "5" };

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TokenValidationParameters _validation;
    private readonly SigningKeyRing _keys;
    private readonly SesameSettings _settings;
    private readonly TimeProvider _time;
    private readonly VerifiedTokenCache _verified = new();

    public AccessTokenService(SigningKeyRing keys, SesameSettings settings, TimeProvider time)
    {
        _keys = keys;
        _settings = settings;
        _time = time;
        // Built once: the key resolver reads the key ring's current snapshot, so rotation needs no rebuild.
        _validation = new TokenValidationParameters
        {
            ValidateAudience = false,
            ValidateIssuer = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = false,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            IssuerSigningKeyResolver = (_, _, kid, _) => kid is not null && keys.Find(kid) is { } key ? [key] : [],
        };
    }

    /// <summary>Tokens in the verified-token cache now (for tests).</summary>
    internal int VerifiedCacheCount => _verified.Count;

    /// <summary>
    /// The expiry of a new access token, in Unix seconds: one lifetime from now, but never after its session's end (a session configured
    /// shorter than an access token, or a refresh near the session's end), so that no access token outlives its session.
    /// </summary>
    public long ExpiryWithin(DateTimeOffset sessionExpiresAt) =>
        Math.Min((_time.GetUtcNow() + _settings.Options.AccessTokenLifetime).ToUnixTimeSeconds(), sessionExpiresAt.ToUnixTimeSeconds());

    /// <summary>Signs a new token. <paramref name="expiresAtSeconds"/> keeps an existing expiry (payload update); else now + lifetime.</summary>
    public async ValueTask<SesameSession> CreateAsync(AccessTokenClaims claims, TokenTransferMethod method, long? expiresAtSeconds,
        CancellationToken cancellationToken)
    {
        var credentials = await _keys.GetSigningCredentialsAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var iat = now.ToUnixTimeSeconds();
        var exp = expiresAtSeconds ?? (now + _settings.Options.AccessTokenLifetime).ToUnixTimeSeconds();
        var payloadJson = WritePayload(claims, iat, exp);
        var token = _handler.CreateToken(payloadJson, credentials, HeaderClaims);
        return new SesameSession(claims.UserId, claims.SessionHandle, claims.RefreshTokenHash1, claims.ParentRefreshTokenHash1,
            claims.AntiCsrfToken, exp, token, payloadJson, null, method) { KeyId = credentials.Key.KeyId };
    }

    /// <summary>
    /// The answer for a token verified before, without copying or parsing it: valid or expired. False when the token is not
    /// cached, or its signing key is no longer known (a key dropped from the store: the token gets a full check, which fails).
    /// </summary>
    public bool TryCheckCached(ReadOnlySpan<char> token, TokenTransferMethod method, out AccessTokenCheck check)
    {
        if (!_verified.TryGet(token, method, out var known))
        {
            check = default;
            return false;
        }

        // A dictionary lookup in the key ring's in-memory snapshot: no I/O.
        if (known!.KeyId is not { } keyId || _keys.Find(keyId) is null)
        {
            _verified.Remove(known);
            check = default;
            return false;
        }

        // The expiry is checked on every hit (an expired entry stays: the burst of requests that carried it until the client
        // refreshed is answered just as cheaply).
        check = known.ExpiresAtSeconds * 1000 >= _time.GetUtcNow().ToUnixTimeMilliseconds()
            ? new(AccessTokenStatus.Valid, known, null)
            : new(AccessTokenStatus.TryRefresh, null, "expired");
        return true;
    }

    /// <summary>Verifies a token without touching the database (except a rate-limited key reload for an unknown kid).</summary>
    public async ValueTask<AccessTokenCheck> VerifyAsync(string token, TokenTransferMethod method)
    {
        if (token.Length is 0 or > MaxTokenLength)
        {
            return new(AccessTokenStatus.Unusable, null, "empty or oversized token");
        }

        // A token seen before skips parsing and the signature check (benchmarked hot path).
        if (TryCheckCached(token, method, out var cached))
        {
            return cached;
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or JsonException or FormatException)
        {
            return new(AccessTokenStatus.Unusable, null, "not a JWT");
        }

        // docs/protocol/rotation.md#verification, step 2: typ JWT, version a string holding an int >= 3, kid present; else not ours.
        if (!string.Equals(jwt.Typ, "JWT", StringComparison.Ordinal)
            || !jwt.TryGetHeaderValue<string>("version", out var version)
            || !int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var versionNumber) || versionNumber < 3
            || string.IsNullOrEmpty(jwt.Kid))
        {
            return new(AccessTokenStatus.Unusable, null, "header is not a session token's");
        }

        // Step 3: structure of a v5 payload.
        if (!jwt.TryGetPayloadValue<string>("sub", out var sub) || string.IsNullOrEmpty(sub)
            || !jwt.TryGetPayloadValue<string>("sessionHandle", out var sessionHandle) || string.IsNullOrEmpty(sessionHandle)
            || !jwt.TryGetPayloadValue<string>("refreshTokenHash1", out var refreshTokenHash1) || string.IsNullOrEmpty(refreshTokenHash1)
            || !jwt.TryGetPayloadValue<string>("rsub", out _)
            || !jwt.TryGetPayloadValue<long>("exp", out var exp)
            || !jwt.TryGetPayloadValue<long>("iat", out _))
        {
            return new(AccessTokenStatus.Unusable, null, "payload is not a session token's");
        }

        // Step 4: signature (RS256 only, so alg "none" and HMAC confusion fail here), known key, expiry.
        if (!string.Equals(jwt.Alg, SecurityAlgorithms.RsaSha256, StringComparison.Ordinal))
        {
            return new(AccessTokenStatus.TryRefresh, null, "algorithm is not RS256");
        }

        if (_keys.Find(jwt.Kid) is null && await _keys.FindAfterReloadAsync(jwt.Kid).ConfigureAwait(false) is null)
        {
            return new(AccessTokenStatus.TryRefresh, null, "unknown key id");
        }

        var result = await _handler.ValidateTokenAsync(jwt, _validation).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return new(AccessTokenStatus.TryRefresh, null, "bad signature");
        }

        jwt.TryGetPayloadValue<string>("parentRefreshTokenHash1", out var parentHash);
        jwt.TryGetPayloadValue<string>("antiCsrfToken", out var antiCsrfToken);
        var session = new SesameSession(sub, sessionHandle, refreshTokenHash1, parentHash, antiCsrfToken, exp, token, null,
            jwt.EncodedPayload, method) { KeyId = jwt.Kid };

        // Cached even when already expired (TryCheckCached answers "expired" on every hit): after an expiry a client's waiting
        // requests all arrive with a token the server may never have seen, and each would pay the RSA check for a "try refresh".
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _verified.Add(session, now);
        return exp * 1000 < now
            ? new(AccessTokenStatus.TryRefresh, null, "expired")
            : new(AccessTokenStatus.Valid, session, null);
    }

    /// <summary>The payload in the core's order, custom claims at top level, <c>iss</c> last (it overrides the app's).</summary>
    private static string WritePayload(AccessTokenClaims claims, long iat, long exp)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("sub", claims.UserId);
            writer.WriteNumber("exp", exp);
            writer.WriteNumber("iat", iat);
            writer.WriteString("tId", "public");
            writer.WriteString("rsub", claims.UserId);
            writer.WriteString("sessionHandle", claims.SessionHandle);
            writer.WriteString("refreshTokenHash1", claims.RefreshTokenHash1);
            writer.WriteString("parentRefreshTokenHash1", claims.ParentRefreshTokenHash1);
            writer.WriteString("antiCsrfToken", claims.AntiCsrfToken);
            using (var custom = JsonDocument.Parse(claims.CustomClaimsJson))
            {
                foreach (var property in custom.RootElement.EnumerateObject())
                {
                    if (Reserved.Contains(property.Name) || property.NameEquals("iss"))
                    {
                        continue;
                    }

                    property.WriteTo(writer);
                }
            }

            writer.WriteString("iss", claims.Issuer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
