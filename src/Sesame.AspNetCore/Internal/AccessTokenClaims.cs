using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

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
