namespace Sesame.AspNetCore.Internal;

/// <summary>What goes into a new access token besides the times.</summary>
internal readonly record struct AccessTokenClaims(
    string UserId,
    string SessionHandle,
    string RefreshTokenHash1,
    string? ParentRefreshTokenHash1,
    string? AntiCsrfToken,
    string CustomClaimsJson,
    string Issuer);
