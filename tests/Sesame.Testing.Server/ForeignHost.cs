using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sesame.Testing.Server;

/// <summary>
/// A second real Kestrel playing a host outside the client's interception scope (an attacker's server or any third party): it records
/// every request it receives and answers each one with a complete set of planted session headers (front token of "mallory", access,
/// refresh and anti-CSRF tokens, session cookies of both protocols), so a test can assert both that nothing of the session reached it
/// and that nothing it sent was stored.
/// </summary>
public sealed class ForeignHost : IAsyncDisposable
{
    /// <summary>The planted access token.</summary>
    public const string PlantedAccessToken = "planted-access-token";

    /// <summary>The planted refresh token.</summary>
    public const string PlantedRefreshToken = "planted-refresh-token";

    /// <summary>The planted anti-CSRF token.</summary>
    public const string PlantedAntiCsrf = "planted-anti-csrf";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private ForeignHost(WebApplication app) => _app = app;

    /// <summary>The host's root, e.g. <c>http://localhost:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>A front token for user "mallory", valid for an hour.</summary>
    public static string PlantedFrontToken { get; } = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        uid = "mallory",
        ate = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(),
        up = new { sub = "mallory" },
    })));

    /// <summary>Starts the host on the loopback interface (OS-chosen port).</summary>
    /// <param name="hostName">The name its <see cref="BaseAddress"/> uses: <c>localhost</c> (a different host than the API's 127.0.0.1) or <c>127.0.0.1</c> (same host, other port).</param>
    /// <param name="ct">Cancels start-up.</param>
    public static async Task<ForeignHost> StartAsync(string hostName = "localhost", CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ForeignHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var host = new ForeignHost(app);
        app.Run(host.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri($"http://{hostName}:{new Uri(bound).Port}/");
        return host;
    }

    /// <summary>Stops the host.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, Encoding.UTF8.GetString(body.ToArray())));

        var response = context.Response;
        response.Headers["front-token"] = PlantedFrontToken;
        response.Headers["st-access-token"] = PlantedAccessToken;
        response.Headers["st-refresh-token"] = PlantedRefreshToken;
        response.Headers["anti-csrf"] = PlantedAntiCsrf;
        response.Headers.Append("Set-Cookie", "sAccessToken=planted; path=/; httponly");
        response.Headers.Append("Set-Cookie", "sRefreshToken=planted; path=/; httponly");
        response.Headers.Append("Set-Cookie", "sIdRefreshToken=planted; path=/");
        response.Headers.Append("Access-Control-Expose-Headers", "front-token, st-access-token, st-refresh-token, anti-csrf");

        // Any expired-session status the client may be configured with must not make it refresh or store anything either.
        var status = context.Request.Query.TryGetValue("status", out var s) && int.TryParse(s, out var code) ? code : 200;
        response.StatusCode = status;
        await response.WriteAsync("foreign", context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>A request the <see cref="ForeignHost"/> received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path and query.</param>
/// <param name="Headers">Its headers (names lower-cased).</param>
/// <param name="Body">Its body as UTF-8 text.</param>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The names of the headers that carry (or announce) a session: cookies, Authorization, anti-CSRF and every <c>st-*</c>, <c>rid</c>, <c>fdi-version</c> header.
    /// A cookie header holding only the host's own planted cookies (sent back by a cookie container of the app) does not count.</summary>
    public IReadOnlyList<string> SessionHeaderNames =>
    [
        .. Headers.Keys.Where(name => (name == "cookie" && !OnlyOwnCookies(Headers[name]))
            || name is "authorization" or "anti-csrf" or "rid" or "fdi-version" || name.StartsWith("st-", StringComparison.Ordinal)),
    ];

    private static bool OnlyOwnCookies(string header) =>
        header.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(pair => pair.EndsWith("=planted", StringComparison.Ordinal));
}
