using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sesame.Testing.Server;

namespace Sesame.Storage.Tests;

/// <summary>Tokens of one session in header transfer mode, as a client holds them.</summary>
internal sealed record RawTokens(string AccessToken, string RefreshToken)
{
    /// <summary>The <c>kid</c> of the access token's JWS header.</summary>
    public string KeyId
    {
        get
        {
            var header = AccessToken.Split('.')[0].Replace('-', '+').Replace('_', '/');
            header = header.PadRight(header.Length + ((4 - (header.Length % 4)) % 4), '=');
            using var json = JsonDocument.Parse(Convert.FromBase64String(header));
            return json.RootElement.GetProperty("kid").GetString()!;
        }
    }
}

/// <summary>An answer of the refresh endpoint.</summary>
internal sealed record RefreshAnswer(HttpStatusCode Status, string Body, RawTokens? Tokens);

/// <summary>
/// Speaks the wire protocol by hand (header mode), so a test decides exactly which instance sees which token:
/// the precision the race and replay tests need, which a client that picks instances itself cannot give.
/// </summary>
internal static class RawSession
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<RawTokens> LoginAsync(SesameTestServer server, string userId, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "/login"))
        {
            Content = JsonContent.Create(new { userId }),
        };
        request.Headers.Add("st-auth-mode", "header");
        AddUserAgent(request, userAgent);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new RawTokens(Header(response, "st-access-token")!, Header(response, "st-refresh-token")!);
    }

    public static async Task<RefreshAnswer> RefreshAsync(SesameTestServer server, string refreshToken, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.RefreshUri);
        request.Headers.Add("st-auth-mode", "header");
        AddUserAgent(request, userAgent);
        request.Headers.Add("rid", "anti-csrf");
        request.Headers.Authorization = new("Bearer", refreshToken);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var access = Header(response, "st-access-token");
        var refresh = Header(response, "st-refresh-token");
        var tokens = response.StatusCode == HttpStatusCode.OK && access is { Length: > 0 } && refresh is { Length: > 0 }
            ? new RawTokens(access, refresh)
            : null;
        return new RefreshAnswer(response.StatusCode, body, tokens);
    }

    /// <summary>Calls the protected <c>GET /</c>; returns the status and the re-issued access token, if any.</summary>
    public static async Task<(HttpStatusCode Status, string? NewAccessToken)> GetAsync(SesameTestServer server, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, server.BaseAddress);
        request.Headers.Add("st-auth-mode", "header");
        request.Headers.Authorization = new("Bearer", accessToken);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, Header(response, "st-access-token"));
    }

    private static void AddUserAgent(HttpRequestMessage request, string? userAgent)
    {
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public static string Describe(RefreshAnswer answer) => $"{(int)answer.Status} {answer.Body}";
}
