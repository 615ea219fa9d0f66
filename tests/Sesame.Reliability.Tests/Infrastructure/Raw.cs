using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sesame.Testing.Server;

namespace Sesame.Reliability.Tests.Infrastructure;

/// <summary>Hand-made HTTP for attacks: exactly the headers a test writes, nothing added by a session handler.</summary>
internal sealed class Raw(SesameTestServer server) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };

    public SesameTestServer Server => server;

    /// <summary>Logs in (header mode unless <paramref name="cookieMode"/>) and returns the response.</summary>
    public Task<HttpResponseMessage> LoginAsync(string userId, bool cookieMode = false, Action<HttpRequestMessage>? decorate = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { userId }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("st-auth-mode", cookieMode ? "cookie" : "header");
        decorate?.Invoke(request);
        return _http.SendAsync(request);
    }

    public async Task<HeaderTokens> LoginHeaderAsync(string userId)
    {
        using var response = await LoginAsync(userId);
        response.EnsureSuccessStatusCode();
        return new HeaderTokens(response.Header("st-access-token")!, response.Header("st-refresh-token")!);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? bearer = null, Action<HttpRequestMessage>? decorate = null) =>
        SendAsync(HttpMethod.Get, path, bearer, decorate);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer = null, Action<HttpRequestMessage>? decorate = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (method != HttpMethod.Get)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        decorate?.Invoke(request);
        return _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> RefreshAsync(string? refreshToken, Action<HttpRequestMessage>? decorate = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, server.RefreshUri);
        request.Headers.Add("rid", "session");
        if (refreshToken is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + refreshToken);
        }

        decorate?.Invoke(request);
        return _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();
}

public sealed record HeaderTokens(string AccessToken, string RefreshToken);

internal static class ResponseExtensions
{
    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public static IReadOnlyList<string> SetCookies(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];

    /// <summary>The value of the named cookie in the response's Set-Cookie headers (last one wins), or null.</summary>
    public static string? SetCookie(this HttpResponseMessage response, string name) =>
        response.SetCookies().Where(c => c.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(c => Uri.UnescapeDataString(c[(name.Length + 1)..c.IndexOf(';', StringComparison.Ordinal)])).LastOrDefault();

    public static async Task<string> MessageAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("message", out var message) ? message.GetString() ?? "" : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    /// <summary>The attack outcome every hostile case allows: a 4xx answer, never 2xx, 5xx or a crash.</summary>
    public static void AssertRefused(this HttpResponseMessage response, string what)
    {
        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{what}: answered {status}");
    }

    public static bool IsServerError(this HttpResponseMessage response) => (int)response.StatusCode >= 500;

    public static HttpStatusCode Status(this HttpResponseMessage response) => response.StatusCode;
}
