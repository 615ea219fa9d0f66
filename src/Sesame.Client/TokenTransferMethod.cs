namespace Sesame.Client;

/// <summary>
/// How the session's tokens travel between the client and the server: the client's side of the one choice the server sees as
/// <c>Sesame.AspNetCore.TokenTransferMethod</c> (same names, same values; the client announces it in <c>st-auth-mode</c>).
/// </summary>
public enum TokenTransferMethod
{
    /// <summary>Tokens travel in headers (<c>st-access-token</c>, <c>st-refresh-token</c>, <c>Authorization: Bearer</c>). The default for .NET apps.</summary>
    Header = 0,

    /// <summary>Tokens travel in cookies kept in the client's cookie jar (what a browser does).</summary>
    Cookie = 1,
}
