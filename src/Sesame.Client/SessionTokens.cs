using System.Collections.Immutable;

namespace Sesame.Client;

/// <summary>
/// The client's whole session state as one immutable snapshot: what a browser keeps in its cookies and storage.
/// A token store swaps snapshots atomically; a request remembers the snapshot it was sent with.
/// </summary>
public sealed record SessionTokens
{
    /// <summary>Creates an empty snapshot; set the properties with an object initializer or derive one with <c>with</c>.</summary>
    public SessionTokens()
    {
    }

    // The copy constructor behind `with`: copies the data, never the per-snapshot caches.
    private SessionTokens(SessionTokens original)
    {
        FrontToken = original.FrontToken;
        AccessToken = original.AccessToken;
        RefreshToken = original.RefreshToken;
        AntiCsrfToken = original.AntiCsrfToken;
        LastAccessTokenUpdate = original.LastAccessTokenUpdate;
        Cookies = original.Cookies;
    }

    private string? _bearerHeader;
    private Internal.CachedCookieHeader? _cookieHeader;
    private static readonly object s_unreadableFrontToken = new();
    private object? _frontTokenCache;

    /// <summary>No session known (nothing stored; the first request probes the server).</summary>
    public static SessionTokens Empty { get; } = new();

    /// <summary>The <c>front-token</c> last received (base64 JSON with the user id, access-token expiry and payload), or null.</summary>
    public string? FrontToken { get; init; }

    /// <summary>The access token (header transfer method), or null.</summary>
    public string? AccessToken { get; init; }

    /// <summary>The refresh token (header transfer method), or null.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>The anti-CSRF token the server handed out, or null.</summary>
    public string? AntiCsrfToken { get; init; }

    /// <summary>When the tokens last changed (Unix milliseconds, strictly increasing per store), or null if they never did.
    /// This stamp is the key a request compares after waiting for a refresh (current protocol).</summary>
    public long? LastAccessTokenUpdate { get; init; }

    /// <summary>The cookie jar (cookie transfer method and legacy protocol).</summary>
    public ImmutableArray<StoredCookie> Cookies { get; init; } = ImmutableArray<StoredCookie>.Empty;

    /// <summary>Cached <c>Bearer &lt;access token&gt;</c> so the hot path does not concatenate per request.</summary>
    internal string? BearerAccessToken => AccessToken is null ? null : _bearerHeader ??= "Bearer " + AccessToken;

    /// <summary>The cookie header last built from <see cref="Cookies"/> (one reference write: a racing reader sees an old or the new one,
    /// both correct for their own bits).</summary>
    internal Internal.CachedCookieHeader? CookieHeaderCache
    {
        get => Volatile.Read(ref _cookieHeader);
        set => Volatile.Write(ref _cookieHeader, value);
    }

    /// <summary>The <see cref="FrontToken"/> decoded (once per snapshot), or null if absent or unreadable.</summary>
    public FrontToken? DecodedFrontToken
    {
        get
        {
            if (FrontToken is null)
            {
                return null;
            }

            // One reference write: a racing reader sees either nothing (and parses again) or the finished result.
            var cached = Volatile.Read(ref _frontTokenCache);
            if (cached is null)
            {
                cached = (object?)Client.FrontToken.TryParse(FrontToken) ?? s_unreadableFrontToken;
                Volatile.Write(ref _frontTokenCache, cached);
            }

            return cached as Client.FrontToken;
        }
    }

    /// <summary>Compares the data (not the caches).</summary>
    /// <param name="other">The other snapshot.</param>
    /// <returns>True if both hold the same tokens, stamp and cookies.</returns>
    public bool Equals(SessionTokens? other) =>
        ReferenceEquals(this, other) || (other is not null
            && FrontToken == other.FrontToken && AccessToken == other.AccessToken && RefreshToken == other.RefreshToken
            && AntiCsrfToken == other.AntiCsrfToken && LastAccessTokenUpdate == other.LastAccessTokenUpdate
            && Cookies.AsSpan().SequenceEqual(other.Cookies.AsSpan()));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(FrontToken, AccessToken, RefreshToken, LastAccessTokenUpdate);

    /// <summary>Describes which parts are present, never their values (snapshots must be safe to log).</summary>
    /// <returns>A description without secrets.</returns>
    public override string ToString() =>
        $"SessionTokens {{ FrontToken = {Has(FrontToken)}, AccessToken = {Has(AccessToken)}, RefreshToken = {Has(RefreshToken)}, AntiCsrfToken = {Has(AntiCsrfToken)}, LastAccessTokenUpdate = {LastAccessTokenUpdate}, Cookies = {Cookies.Length} }}";

    private static string Has(string? value) => value is null ? "none" : "set";
}
