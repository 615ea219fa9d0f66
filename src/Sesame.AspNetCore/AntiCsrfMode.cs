namespace Sesame.AspNetCore;

/// <summary>How a cookie-mode request proves it was sent by the app and not forged by another site.</summary>
public enum AntiCsrfMode
{
    /// <summary>No check (SameSite cookies are the protection).</summary>
    None,

    /// <summary>A random token travels in the access token, the refresh token and the <c>anti-csrf</c> header.</summary>
    ViaToken,

    /// <summary>The request must carry a <c>rid</c> header, which a cross-site form or image cannot add.</summary>
    ViaCustomHeader,
}
