using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// The anti-CSRF rule for cookie-mode requests (docs/protocol/wire-format.md#anti-csrf), shared by verification and the refresh
/// endpoint. Header-mode requests are never checked: a cross-site page cannot set <c>Authorization</c>.
/// </summary>
internal static class AntiCsrfCheck
{
    /// <summary>The custom header of <see cref="AntiCsrfMode.ViaCustomHeader"/>.</summary>
    public const string RidHeader = "rid";

    /// <summary>
    /// True when the request carries what <paramref name="mode"/> asks for: the <c>rid</c> header (custom-header mode), or exactly one
    /// <c>anti-csrf</c> header equal, in constant time, to <paramref name="expectedToken"/> (token mode; a null expectation never passes).
    /// </summary>
    public static bool Passes(HttpRequest request, AntiCsrfMode mode, string? expectedToken) => mode switch
    {
        AntiCsrfMode.ViaCustomHeader => request.Headers.ContainsKey(RidHeader),
        AntiCsrfMode.ViaToken => request.Headers.TryGetValue(TokenTransport.AntiCsrfHeader, out var header) && header.Count == 1
            && TokenCrypto.FixedTimeEquals(header[0], expectedToken),
        _ => true,
    };
}
