using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sesame.Client.Internal;

namespace Sesame.Client;

/// <summary>
/// The explicit API of the seeds for apps without dependency injection: <c>SesameRequest.Init(…)</c> once, then
/// <see cref="FetchAsync(HttpRequestMessage, CancellationToken)"/>, <see cref="GetAsync(string, CancellationToken)"/>, <see cref="PostAsync(string, HttpContent?, CancellationToken)"/>, … which behave exactly like
/// <see cref="System.Net.Http.HttpClient"/>'s methods (a non-2xx status is a response, not an exception), plus the session operations.
/// Everything goes through the same <see cref="SessionHandler"/> and <see cref="RefreshCoordinator"/> as the DI registration.
/// </summary>
public static class SesameRequest
{
    private static readonly Lock s_gate = new();
    private static readonly Lazy<MemoryTokenStore> s_defaultStore = new(() => new MemoryTokenStore());
    private static State? s_state;

    /// <summary>The seeds' <c>init(refreshTokenUrl, sessionExpiredStatusCode = 440, viaInterceptor = false)</c>.
    /// Speaks the current protocol with this explicit refresh URL (the API domain is its origin) unless <paramref name="protocol"/> says
    /// <see cref="SessionProtocol.Legacy"/> (the seed-era backend). <paramref name="viaInterceptor"/>: true makes <see cref="HttpClient"/>
    /// the intercepted client (the .NET meaning of patching <c>fetch</c>); false leaves it a plain client, and only the explicit calls are handled.</summary>
    /// <param name="refreshTokenUrl">The absolute refresh URL.</param>
    /// <param name="sessionExpiredStatusCode">The expired-session status; the seeds' default 440.</param>
    /// <param name="viaInterceptor">Whether <see cref="HttpClient"/> is intercepted.</param>
    /// <param name="protocol">The wire dialect; default current.</param>
    public static void Init(string refreshTokenUrl, int sessionExpiredStatusCode = 440, bool viaInterceptor = false, SessionProtocol protocol = SessionProtocol.Current)
    {
        var options = new SesameClientOptions
        {
            RefreshTokenUrl = refreshTokenUrl,
            SessionExpiredStatusCode = sessionExpiredStatusCode,
            Protocol = protocol,
        };
        Init(options, viaInterceptor: viaInterceptor);
    }

    /// <summary>Initialises with full options (validated now: invalid options throw <see cref="ArgumentException"/> listing every problem).
    /// Calling it again replaces the client; the default in-memory store is kept, so a session survives re-initialisation.</summary>
    /// <param name="options">The options (copied).</param>
    /// <param name="tokenStore">Where the session is kept; default a process-wide <see cref="MemoryTokenStore"/>. A <see cref="FileTokenStore"/> brings its cross-process lock.</param>
    /// <param name="loggerFactory">Receives the client's logs.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="viaInterceptor">Whether <see cref="HttpClient"/> is intercepted (default true with this overload).</param>
    public static void Init(SesameClientOptions options, ITokenStore? tokenStore = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, bool viaInterceptor = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Clone();
        var store = tokenStore ?? s_defaultStore.Value;
        var refreshLock = store is IRefreshLockProvider provider ? provider.RefreshLock : new InProcessRefreshLock();

        // One pooled connection handler shared by the refresh path and the app calls; PooledConnectionLifetime follows DNS changes.
        // Redirects: never for the refresh, hop by hop with a scope check for the app's calls (the session handler follows them).
        var primary = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), UseCookies = false };
        Redirects.TakeOver(primary);
        var transport = new HttpMessageInvoker(primary, disposeHandler: false);
        var coordinator = SesameClientComposition.CreateCoordinator(copy, store, refreshLock, () => transport, timeProvider ?? TimeProvider.System, loggerFactory);
        var intercepted = new HttpClient(new SessionHandler(coordinator) { InnerHandler = primary }, disposeHandler: false)
        {
            BaseAddress = new Uri(copy.Protocol == SessionProtocol.Legacy || string.IsNullOrWhiteSpace(copy.ApiDomain)
                ? new Uri(copy.RefreshTokenUrl!.Trim()).GetLeftPart(UriPartial.Authority)
                : coordinator.RefreshUri.GetLeftPart(UriPartial.Authority)),
        };
        // The plain client has its own connections: it follows redirects the .NET way (no session handler does it for it).
        var plain = viaInterceptor ? intercepted : new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), UseCookies = false }) { BaseAddress = intercepted.BaseAddress };
        var client = SesameClientComposition.CreateSessionClient(coordinator, () => transport);
        lock (s_gate)
        {
            s_state = new State(coordinator, client, intercepted, plain);
        }
    }

    /// <summary>The client's <see cref="HttpClient"/>: intercepted (session attached, refresh on expiry) when initialised with
    /// <c>viaInterceptor: true</c>, plain otherwise. Its base address is the API domain, so relative URLs work.</summary>
    public static HttpClient HttpClient => Current.Plain;

    /// <summary>The coordinator behind the explicit API (for integrations that build their own pipeline around <see cref="SessionHandler"/>).</summary>
    public static RefreshCoordinator Coordinator => Current.Coordinator;

    /// <summary>The session events of the explicit API's client.</summary>
    public static ISessionEvents Events => Current.Coordinator.Events;

    /// <summary>Sends a request with the session (the seeds' <c>fetch(url, config)</c>); a relative URL is resolved against the API domain.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response, whatever its status.</returns>
    public static Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = Current;
        request.Options.Set(SessionRequestOptions.Explicit, true);
        return state.Intercepted.SendAsync(request, cancellationToken);
    }

    /// <summary>GET with the session (the seeds' <c>fetch(url)</c> / <c>get(url)</c>).</summary>
    /// <param name="url">Absolute, or relative to the API domain.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response, whatever its status.</returns>
    public static Task<HttpResponseMessage> FetchAsync(string url, CancellationToken cancellationToken = default) => GetAsync(url, cancellationToken);

    /// <summary>GET with the session.</summary>
    /// <param name="url">Absolute, or relative to the API domain.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response, whatever its status.</returns>
    public static Task<HttpResponseMessage> GetAsync(string url, CancellationToken cancellationToken = default) =>
        FetchAsync(new HttpRequestMessage(HttpMethod.Get, ToUri(url)), cancellationToken);

    /// <summary>POST with the session.</summary>
    /// <param name="url">Absolute, or relative to the API domain.</param>
    /// <param name="content">The body (buffered, so a retry re-sends it intact).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response, whatever its status.</returns>
    public static Task<HttpResponseMessage> PostAsync(string url, HttpContent? content, CancellationToken cancellationToken = default) =>
        FetchAsync(new HttpRequestMessage(HttpMethod.Post, ToUri(url)) { Content = content }, cancellationToken);

    /// <summary>PUT with the session.</summary>
    /// <param name="url">Absolute, or relative to the API domain.</param>
    /// <param name="content">The body (buffered, so a retry re-sends it intact).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response, whatever its status.</returns>
    public static Task<HttpResponseMessage> PutAsync(string url, HttpContent? content, CancellationToken cancellationToken = default) =>
        FetchAsync(new HttpRequestMessage(HttpMethod.Put, ToUri(url)) { Content = content }, cancellationToken);

    /// <summary>DELETE with the session.</summary>
    /// <param name="url">Absolute, or relative to the API domain.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response, whatever its status.</returns>
    public static Task<HttpResponseMessage> DeleteAsync(string url, CancellationToken cancellationToken = default) =>
        FetchAsync(new HttpRequestMessage(HttpMethod.Delete, ToUri(url)), cancellationToken);

    /// <inheritdoc cref="ISessionClient.AttemptRefreshingSessionAsync"/>
    public static Task<bool> AttemptRefreshingSessionAsync(CancellationToken cancellationToken = default) => Current.Client.AttemptRefreshingSessionAsync(cancellationToken);

    /// <inheritdoc cref="ISessionClient.DoesSessionExistAsync"/>
    public static Task<bool> DoesSessionExistAsync(CancellationToken cancellationToken = default) => Current.Client.DoesSessionExistAsync(cancellationToken);

    /// <inheritdoc cref="ISessionClient.SignOutAsync"/>
    public static Task SignOutAsync(CancellationToken cancellationToken = default) => Current.Client.SignOutAsync(cancellationToken);

    /// <inheritdoc cref="ISessionClient.GetUserIdAsync"/>
    public static Task<string> GetUserIdAsync(CancellationToken cancellationToken = default) => Current.Client.GetUserIdAsync(cancellationToken);

    /// <inheritdoc cref="ISessionClient.GetAccessTokenPayloadAsync"/>
    public static Task<JsonElement> GetAccessTokenPayloadAsync(CancellationToken cancellationToken = default) => Current.Client.GetAccessTokenPayloadAsync(cancellationToken);

    /// <inheritdoc cref="ISessionClient.GetAccessTokenAsync"/>
    public static Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken = default) => Current.Client.GetAccessTokenAsync(cancellationToken);

    /// <summary>Forgets the client set by <c>Init</c> (tests; the default in-memory store is emptied too).</summary>
    internal static void Reset()
    {
        lock (s_gate)
        {
            s_state = null;
        }

        if (s_defaultStore.IsValueCreated)
        {
            s_defaultStore.Value.UpdateAsync(static _ => SessionTokens.Empty, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
    }

    private static State Current => Volatile.Read(ref s_state) ?? throw new InvalidOperationException("init function not called");

    private static Uri ToUri(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new Uri(url, UriKind.RelativeOrAbsolute);
    }

    private sealed record State(RefreshCoordinator Coordinator, ISessionClient Client, HttpClient Intercepted, HttpClient Plain);
}
