using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;

namespace Sesame.AspNetCore;

/// <summary>The verified session of a request: who, which session, and the access token's payload.</summary>
public sealed class SesameSession
{
    private readonly string? _encodedPayload;
    private string? _payloadJson;
    private SessionVerificationResult? _validResult;

    internal SesameSession(string userId, string sessionHandle, string refreshTokenHash1, string? parentRefreshTokenHash1,
        string? antiCsrfToken, long expiresAtSeconds, string accessToken, string? payloadJson, string? encodedPayload,
        TokenTransferMethod transferMethod)
    {
        UserId = userId;
        SessionHandle = sessionHandle;
        RefreshTokenHash1 = refreshTokenHash1;
        ParentRefreshTokenHash1 = parentRefreshTokenHash1;
        AntiCsrfToken = antiCsrfToken;
        ExpiresAtSeconds = expiresAtSeconds;
        AccessToken = accessToken;
        _payloadJson = payloadJson;
        _encodedPayload = encodedPayload;
        TransferMethod = transferMethod;
    }

    /// <summary>The user the session belongs to (the <c>sub</c> claim).</summary>
    public string UserId { get; }

    /// <summary>The session's handle, stable across refreshes.</summary>
    public string SessionHandle { get; }

    /// <summary>When the current access token expires.</summary>
    public DateTimeOffset AccessTokenExpiresAt => DateTimeOffset.FromUnixTimeSeconds(ExpiresAtSeconds);

    /// <summary>How this request carried its tokens; new tokens go back the same way.</summary>
    public TokenTransferMethod TransferMethod { get; }

    /// <summary>The current access token (a signed JWT). Do not log it.</summary>
    public string AccessToken { get; }

    /// <summary>The whole decoded access-token payload, reserved claims included. A fresh copy on every call.</summary>
    public JsonObject AccessTokenPayload => (JsonObject)JsonNode.Parse(PayloadJson)!;

    internal string RefreshTokenHash1 { get; }

    internal string? ParentRefreshTokenHash1 { get; }

    internal string? AntiCsrfToken { get; }

    internal long ExpiresAtSeconds { get; }

    /// <summary>The <c>kid</c> of the key that signed <see cref="AccessToken"/> (set when a token is verified).</summary>
    internal string? KeyId { get; init; }

    /// <summary>
    /// The valid verification result of this (immutable) session, made once and shared by every request carrying the same token,
    /// so the per-request path allocates none. A benign race: two requests may each make one.
    /// </summary>
    internal SessionVerificationResult ValidResult => _validResult ??= new SessionVerificationResult(SessionVerificationStatus.Valid, this)
    {
        PromotionPending = ParentRefreshTokenHash1 is not null,
    };

    /// <summary>The payload's claims for the request's principal, mapped once per token (see <c>PayloadClaimMapper</c>); a benign race.</summary>
    internal Internal.MappedClaim[]? MappedClaims { get; set; }

    /// <summary>The payload as JSON text, decoded from the token only when someone asks.</summary>
    internal string PayloadJson => _payloadJson ??= Encoding.UTF8.GetString(Base64Url.DecodeFromChars(_encodedPayload));
}
