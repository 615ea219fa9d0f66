namespace Sesame.AspNetCore;

/// <summary>
/// How tokens travel between client and server: the server's side of the one choice a client makes (<c>st-auth-mode</c>; in
/// .NET <c>Sesame.Client.TokenTransferMethod</c>, same names, same values). The server answers each request the way it came.
/// </summary>
public enum TokenTransferMethod
{
    /// <summary>Response headers <c>st-access-token</c>/<c>st-refresh-token</c>; requests send <c>Authorization: Bearer</c>.</summary>
    Header = 0,

    /// <summary>HttpOnly cookies <c>sAccessToken</c>/<c>sRefreshToken</c>.</summary>
    Cookie = 1,
}
