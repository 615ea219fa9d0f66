namespace Sesame.AspNetCore.Internal;

/// <summary>What a refresh token says about itself once its MAC checked out.</summary>
internal sealed record RefreshTokenContent(string SessionHandle, string? ParentRefreshTokenHash1, string? AntiCsrfToken);
