using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>A hand-driven header-mode client: it keeps the tokens the server sends and sends them back as the protocol says.</summary>
internal sealed class HeaderSession(SesameTestServer server) : IDisposable
{
    public HttpClient Http { get; } = new() { BaseAddress = server.BaseAddress };

    public string? AccessToken { get; set; }

    public string? RefreshToken { get; set; }

    public string? FrontToken { get; private set; }

    public async Task<HttpResponseMessage> LoginAsync(string userId, JsonObject? payload = null)
    {
        var body = new JsonObject { ["userId"] = userId };
        if (payload is not null)
        {
            body["payload"] = payload;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = Json(body) };
        request.Headers.Add("st-auth-mode", "header");
        return await SendRawAsync(request);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (AccessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        }

        return await SendRawAsync(request);
    }

    public async Task<HttpResponseMessage> RefreshAsync(string? refreshToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.RefreshUri);
        request.Headers.Add("rid", "session");
        var token = refreshToken ?? RefreshToken;
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await SendRawAsync(request);
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request)
    {
        var response = await Http.SendAsync(request);
        if (response.Headers.TryGetValues("st-access-token", out var at))
        {
            var value = at.Single();
            AccessToken = value.Length == 0 ? null : value;
        }

        if (response.Headers.TryGetValues("st-refresh-token", out var rt))
        {
            var value = rt.Single();
            RefreshToken = value.Length == 0 ? null : value;
        }

        if (response.Headers.TryGetValues("front-token", out var ft))
        {
            FrontToken = ft.Single();
        }

        return response;
    }

    public static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    public void Dispose() => Http.Dispose();
}

/// <summary>A cookie-mode client: a real <see cref="CookieContainer"/> plus the anti-CSRF header when the server sends one.</summary>
internal sealed class CookieSession : IDisposable
{
    private readonly SesameTestServer _server;
    private readonly HttpClientHandler _handler;

    public CookieSession(SesameTestServer server)
    {
        _server = server;
        _handler = new HttpClientHandler { CookieContainer = Cookies, UseCookies = true };
        Http = new HttpClient(_handler) { BaseAddress = server.BaseAddress };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    public string? AntiCsrf { get; set; }

    public string? FrontToken { get; private set; }

    public bool SendRid { get; set; } = true;

    public async Task<HttpResponseMessage> LoginAsync(string userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = HeaderSession.Json(new JsonObject { ["userId"] = userId }) };
        request.Headers.Add("st-auth-mode", "cookie");
        return await SendRawAsync(request);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (SendRid)
        {
            request.Headers.Add("rid", "anti-csrf");
        }

        if (AntiCsrf is not null)
        {
            request.Headers.Add("anti-csrf", AntiCsrf);
        }

        return await SendRawAsync(request);
    }

    public async Task<HttpResponseMessage> RefreshAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.RefreshUri);
        if (SendRid)
        {
            request.Headers.Add("rid", "session");
        }

        if (AntiCsrf is not null)
        {
            request.Headers.Add("anti-csrf", AntiCsrf);
        }

        return await SendRawAsync(request);
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request)
    {
        var response = await Http.SendAsync(request);
        if (response.Headers.TryGetValues("anti-csrf", out var anti))
        {
            AntiCsrf = anti.Single();
        }

        if (response.Headers.TryGetValues("front-token", out var ft))
        {
            FrontToken = ft.Single();
            if (FrontToken == "remove")
            {
                AntiCsrf = null;
            }
        }

        return response;
    }

    public string? Cookie(string name, string path = "/") =>
        Cookies.GetCookies(new Uri(_server.BaseAddress, path)).FirstOrDefault(c => c.Name == name)?.Value;

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }
}

internal static class Jwt
{
    public static JsonObject Header(string token) => Decode(token.Split('.')[0]);

    public static JsonObject Payload(string token) => Decode(token.Split('.')[1]);

    public static JsonObject FrontToken(string frontToken) =>
        JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(frontToken)))!.AsObject();

    public static string Encode(JsonNode node) => Base64Url(Encoding.UTF8.GetBytes(node.ToJsonString()));

    public static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static JsonObject Decode(string part) =>
        JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(part))!.AsObject();
}

internal static class ResponseExtensions
{
    public static async Task<string> BodyAsync(this HttpResponseMessage response) => await response.Content.ReadAsStringAsync();

    public static async Task<string?> MessageAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonNode.Parse(text)?["message"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public static IReadOnlyList<string> SetCookies(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];
}
