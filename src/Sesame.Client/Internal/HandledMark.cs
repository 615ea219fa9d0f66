namespace Sesame.Client.Internal;

/// <summary>
/// Tells a session handler that another one is already sending a request (the handler added twice, also behind a wrapper that hides the
/// inner one; a retry clone; a refresh request), so it passes the request through instead of decorating it again.
/// The current protocol puts the mark in a header every handled request carries anyway: the <c>st-auth-mode</c> value is one of the
/// string instances below, which are never interned, so "the header holds this very instance" can only mean a session handler wrote it
/// (a caller who writes "header" writes another instance). Reading and writing it allocates nothing, unlike
/// <see cref="HttpRequestMessage.Options"/>, whose getter allocates a dictionary on every request that had none.
/// The mark is taken off (the same value, a plain instance) once the attempt has its response, so a copy of a finished request's headers
/// is handled like any new request. The legacy protocol writes no such header; it keeps the mark in the request options.
/// </summary>
internal static class HandledMark
{
    /// <summary>The marked <c>st-auth-mode: header</c> value.</summary>
    public static readonly string HeaderMode = new("header".AsSpan());

    /// <summary>The marked <c>st-auth-mode: cookie</c> value.</summary>
    public static readonly string CookieMode = new("cookie".AsSpan());

    /// <summary>True if <paramref name="request"/> carries a marked <c>st-auth-mode</c> value (no allocation).</summary>
    public static bool IsOnAuthMode(HttpRequestMessage request) =>
        request.Headers.NonValidated is { Count: > 0 } headers && headers.TryGetValues(HeaderNames.AuthMode, out var values) && values.Count == 1
        && values.ToString() is var value && (ReferenceEquals(value, HeaderMode) || ReferenceEquals(value, CookieMode));

    /// <summary>Replaces a marked <c>st-auth-mode</c> value by the same value unmarked.</summary>
    public static void TakeOffAuthMode(HttpRequestMessage request)
    {
        if (request.Headers.NonValidated.TryGetValues(HeaderNames.AuthMode, out var values) && values.Count == 1 && values.ToString() is var value
            && (ReferenceEquals(value, HeaderMode) || ReferenceEquals(value, CookieMode)))
        {
            request.Headers.Remove(HeaderNames.AuthMode);
            request.Headers.TryAddWithoutValidation(HeaderNames.AuthMode, ReferenceEquals(value, HeaderMode) ? "header" : "cookie");
        }
    }
}
