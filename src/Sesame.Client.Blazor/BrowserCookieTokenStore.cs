using Microsoft.Extensions.Options;
using Microsoft.JSInterop;

namespace Sesame.Client.Blazor;

/// <summary>
/// The browser's token store. The session cookies themselves (access and refresh token) are HttpOnly and belong to the browser; what the
/// client keeps is the front token, the anti-CSRF token and the last-update stamp, and it keeps them exactly where and how the official
/// JavaScript client does: the non-HttpOnly cookies <c>sFrontToken</c>, <c>st-last-access-token-update</c> and <c>sAntiCsrf</c>
/// (plus <c>st-access-token</c>/<c>st-refresh-token</c> in header mode). So every tab, and the official client in the same origin, see one
/// session, and a refresh made by any of them is noticed by the others through the changed stamp (the refresh algorithm's identity check).
/// </summary>
/// <remarks>
/// <see cref="Current"/> reads <c>document.cookie</c> synchronously (one in-process JavaScript call, no network), so a change made by another
/// tab is seen by the next request; until the module is loaded it returns the last known snapshot (at first the empty one, which makes the
/// refresh algorithm probe, load the module under the lock and find the stored session).
/// </remarks>
public sealed class BrowserCookieTokenStore : ITokenStore
{
    private const string FrontTokenName = "sFrontToken";
    private const string LastUpdateName = "st-last-access-token-update";
    private const string AntiCsrfName = "sAntiCsrf";
    private const string AccessTokenName = "st-access-token";
    private const string RefreshTokenName = "st-refresh-token";

    // The official client keeps header-mode tokens for Date.now() + 3153600000 ms (≈ 36.5 days).
    private static readonly TimeSpan s_tokenCookieLifetime = TimeSpan.FromMilliseconds(3153600000);

    private readonly SesameBrowserInterop _browser;
    private readonly SesameBlazorOptions _options;
    private readonly TimeProvider _time;
    private SessionTokens _cached = SessionTokens.Empty;
    private string?[]? _cachedValues;

    /// <summary>Creates the store.</summary>
    /// <param name="browser">The package's JavaScript module.</param>
    /// <param name="options">Cookie domain and iframe mode.</param>
    /// <param name="time">The clock for token-cookie expiry.</param>
    public BrowserCookieTokenStore(SesameBrowserInterop browser, IOptions<SesameBlazorOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _browser = browser ?? throw new ArgumentNullException(nameof(browser));
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <inheritdoc />
    public SessionTokens Current => _browser.LoadedModule is { } module ? Read(module) : Volatile.Read(ref _cached);

    /// <inheritdoc />
    public async ValueTask<SessionTokens> ReloadAsync(CancellationToken cancellationToken)
    {
        var module = await _browser.GetModuleAsync(cancellationToken).ConfigureAwait(false);
        return Read(module);
    }

    /// <inheritdoc />
    public async ValueTask<SessionTokens> UpdateAsync(Func<SessionTokens, SessionTokens> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var module = await _browser.GetModuleAsync(cancellationToken).ConfigureAwait(false);

        // Read, apply and write without awaiting in between: WebAssembly runs this tab's .NET and JavaScript on one thread, so nothing of
        // this tab interleaves, and each cookie write is atomic for other tabs.
        var current = Read(module);
        var next = update(current) ?? SessionTokens.Empty;
        Write(module, FrontTokenName, current.FrontToken, next.FrontToken, expiresAtMs: null);
        Write(module, AntiCsrfName, current.AntiCsrfToken, next.AntiCsrfToken, expiresAtMs: null);
        var tokenExpiry = (_time.GetUtcNow() + s_tokenCookieLifetime).ToUnixTimeMilliseconds();
        Write(module, AccessTokenName, current.AccessToken, next.AccessToken, tokenExpiry);
        Write(module, RefreshTokenName, current.RefreshToken, next.RefreshToken, tokenExpiry);

        // The stamp last: a reader that sees the new stamp also sees the new front token.
        Write(module, LastUpdateName, Stamp(current.LastAccessTokenUpdate), Stamp(next.LastAccessTokenUpdate), expiresAtMs: null);
        return Read(module);
    }

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only strings, numbers, booleans and string arrays cross into JavaScript and back; System.Text.Json handles them without reflection over app types.")]
    private SessionTokens Read(IJSInProcessObjectReference module)
    {
        var values = module.Invoke<string?[]>("readSession");
        var cachedValues = Volatile.Read(ref _cachedValues);
        if (cachedValues is not null && values.AsSpan().SequenceEqual(cachedValues))
        {
            // Unchanged: keep the same snapshot (its parsed front token and bearer header stay cached).
            return Volatile.Read(ref _cached);
        }

        var tokens = new SessionTokens
        {
            FrontToken = NullIfEmpty(values, 0),
            LastAccessTokenUpdate = long.TryParse(NullIfEmpty(values, 1), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var stamp) ? stamp : null,
            AntiCsrfToken = NullIfEmpty(values, 2),
            AccessToken = NullIfEmpty(values, 3),
            RefreshToken = NullIfEmpty(values, 4),
        };
        Volatile.Write(ref _cached, tokens);
        Volatile.Write(ref _cachedValues, values);
        return tokens;
    }

    private void Write(IJSInProcessObjectReference module, string name, string? before, string? after, long? expiresAtMs)
    {
        if (string.Equals(before, after, StringComparison.Ordinal))
        {
            return;
        }

        module.InvokeVoid("writeCookie", name, after, expiresAtMs, _options.SessionTokenFrontendDomain, _options.IsInIframe);
    }

    private static string? Stamp(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string? NullIfEmpty(string?[] values, int index) =>
        index < values.Length && !string.IsNullOrEmpty(values[index]) ? values[index] : null;
}
