using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sesame.Conformance;
using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>A conformance server on two free ports with a <c>--static-root</c>, for HTTP-level contract checks.</summary>
public sealed class ConformanceServerFixture : IAsyncLifetime
{
    private readonly string _staticRoot = Path.Combine(Path.GetTempPath(), "sesame-static-" + Guid.NewGuid().ToString("N"));
    private ConformanceHost? _server;

    public ConformanceHost Server => _server ?? throw new InvalidOperationException("not started");

    public HttpClient Http { get; } = new(new HttpClientHandler { UseCookies = false });

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_staticRoot, "angular"));
        await File.WriteAllTextAsync(Path.Combine(_staticRoot, "angular", "main.js"), "export const answer = 42;");
        await File.WriteAllTextAsync(Path.Combine(_staticRoot, "extra.txt"), "extra file");
        _server = await ConformanceHost.StartAsync(
            new ConformanceServerOptions
            {
                FirstUrl = new Uri("http://localhost:0"),
                SecondUrl = new Uri("http://localhost:0"),
                StaticRoot = _staticRoot,
                AssetsRoot = RepositoryPaths.BrowserAssets,
            },
            logging => logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_staticRoot, recursive: true);
    }
}

/// <summary>The reference test server's HTTP contract (the endpoints of the official client's test server, see docs/browser-interop.md), checked without a browser.</summary>
public sealed class ConformanceServerContractTests(ConformanceServerFixture fixture) : IClassFixture<ConformanceServerFixture>
{
    private readonly HttpClient _http = fixture.Http;
    private readonly string _first = fixture.Server.FirstBaseAddress.GetLeftPart(UriPartial.Authority);
    private readonly string _second = fixture.Server.SecondBaseAddress.GetLeftPart(UriPartial.Authority);
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stateless_helpers_answer_on_both_ports_and_unknown_paths_get_an_empty_404()
    {
        foreach (var origin in new[] { _first, _second })
        {
            Assert.Equal("success", await _http.GetStringAsync(origin + "/ping", Cancel));
            using var missing = await _http.GetAsync(origin + "/fail", Cancel);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Empty(await missing.Content.ReadAsByteArrayAsync(Cancel));
        }

        using var testing = new HttpRequestMessage(HttpMethod.Delete, _first + "/testing");
        testing.Headers.Add("testing", "testValue");
        using var echoed = await _http.SendAsync(testing, Cancel);
        Assert.Equal("testValue", echoed.Headers.GetValues("testing").Single());
        Assert.Equal("success", await echoed.Content.ReadAsStringAsync(Cancel));

        using var error = await _http.GetAsync(_first + "/testError?code=405", Cancel);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, error.StatusCode);
        Assert.Equal("test error message", await error.Content.ReadAsStringAsync(Cancel));
        var flags = JsonDocument.Parse(await _http.GetStringAsync(_first + "/featureFlags", Cancel)).RootElement;
        Assert.False(flags.GetProperty("sessionJwt").GetBoolean());
        Assert.True(flags.GetProperty("v3AccessToken").GetBoolean());
        Assert.Equal("20.1.6", await _http.GetStringAsync(_first + "/getPackageVersion", Cancel));
    }

    [Fact]
    public async Task Apps_set_the_token_validity_and_sessions_are_shared_by_both_ports_while_counters_are_per_port()
    {
        var coreUrl = await SetUpAsync(validitySeconds: 5, antiCsrf: true);
        Assert.StartsWith("sesame-app:", coreUrl, StringComparison.Ordinal);

        using var login = await _http.PostAsJsonAsync(_first + "/login", new { userId = "contract-user" }, Cancel);
        Assert.Equal("contract-user", await login.Content.ReadAsStringAsync(Cancel));
        var accessToken = login.Headers.GetValues("st-access-token").Single();
        var claims = JsonDocument.Parse(Base64UrlDecode(accessToken.Split('.')[1])).RootElement;
        Assert.Equal(5, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());

        using var onSecond = new HttpRequestMessage(HttpMethod.Get, _second + "/");
        onSecond.Headers.Add("Authorization", "Bearer " + accessToken);
        using var answer = await _http.SendAsync(onSecond, Cancel);
        Assert.Equal("contract-user", await answer.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("1", await _http.GetStringAsync(_second + "/getSessionCalledTime", Cancel));
        Assert.Equal("0", await _http.GetStringAsync(_first + "/getSessionCalledTime", Cancel));

        (await _http.PostAsync(_second + "/beforeeach", null, Cancel)).EnsureSuccessStatusCode();
        Assert.Equal("0", await _http.GetStringAsync(_second + "/getSessionCalledTime", Cancel));
    }

    [Fact]
    public async Task Refresh_counts_attempts_and_successes_and_answers_like_the_reference()
    {
        await SetUpAsync(validitySeconds: 60, antiCsrf: false);
        using var login = await _http.PostAsJsonAsync(_first + "/login", new { userId = "refresh-user" }, Cancel);
        var refreshToken = login.Headers.GetValues("st-refresh-token").Single();

        using var refresh = new HttpRequestMessage(HttpMethod.Post, _first + "/auth/session/refresh");
        refresh.Headers.Add("Authorization", "Bearer " + refreshToken);
        refresh.Headers.Add("rid", "session");
        using var refreshed = await _http.SendAsync(refresh, Cancel);
        Assert.Equal("refresh success", await refreshed.Content.ReadAsStringAsync(Cancel));
        Assert.NotNull(refreshed.Headers.GetValues("front-token").Single());

        using var noTokens = await _http.PostAsync(_first + "/auth/session/refresh", null, Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, noTokens.StatusCode);
        Assert.Equal("{}", await noTokens.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("remove", noTokens.Headers.GetValues("front-token").Single());

        Assert.Equal("1", await _http.GetStringAsync(_first + "/refreshCalledTime", Cancel));
        Assert.Equal("2", await _http.GetStringAsync(_first + "/refreshAttemptedTime", Cancel));

        using var unauthorised = await _http.GetAsync(_first + "/", Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.Equal("{}", await unauthorised.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Setup_st_applies_the_anti_csrf_mode_to_cookie_sessions()
    {
        await SetUpAsync(validitySeconds: 60, antiCsrf: true);
        Assert.True((await CookieLoginAsync()).Headers.Contains("anti-csrf"));

        await SetUpAsync(validitySeconds: 60, antiCsrf: false);
        Assert.False((await CookieLoginAsync()).Headers.Contains("anti-csrf"));
    }

    [Fact]
    public async Task Cors_allows_only_the_first_origin_with_credentials_and_the_sdk_headers()
    {
        using var allowed = await PreflightAsync(_first);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(_first, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Equal("GET,PUT,POST,DELETE", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single());

        using var other = await PreflightAsync("http://example.invalid");
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Static_root_files_win_and_javascript_is_served_as_javascript()
    {
        using var module = await _http.GetAsync(_first + "/angular/main.js", Cancel);
        Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);
        Assert.Equal("export const answer = 42;", await module.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("extra file", await _http.GetStringAsync(_second + "/extra.txt", Cancel));

        using var bundle = await _http.GetAsync(_first + "/assets/supertokens.js", Cancel);
        Assert.Equal("text/javascript", bundle.Content.Headers.ContentType?.MediaType);
        var page = await _http.GetStringAsync(_first + "/index.html", Cancel);
        Assert.Contains("/assets/axios.min.js", page, StringComparison.Ordinal);
    }

    private async Task<string> SetUpAsync(int validitySeconds, bool antiCsrf)
    {
        using var app = await _http.PostAsJsonAsync(_first + "/test/setup/app",
            new { appId = Guid.NewGuid().ToString("N"), coreConfig = new { access_token_validity = validitySeconds } }, Cancel);
        var coreUrl = await app.Content.ReadAsStringAsync(Cancel);
        foreach (var origin in new[] { _first, _second })
        {
            (await _http.PostAsJsonAsync(origin + "/test/setup/st", new { coreUrl, enableAntiCsrf = antiCsrf }, Cancel)).EnsureSuccessStatusCode();
            (await _http.PostAsync(origin + "/beforeeach", null, Cancel)).EnsureSuccessStatusCode();
        }

        return coreUrl;
    }

    private async Task<HttpResponseMessage> CookieLoginAsync()
    {
        using var login = new HttpRequestMessage(HttpMethod.Post, _first + "/login")
        {
            Content = new StringContent("""{"userId":"csrf-user"}""", Encoding.UTF8, "application/json"),
        };
        login.Headers.Add("st-auth-mode", "cookie");
        var response = await _http.SendAsync(login, Cancel);
        response.EnsureSuccessStatusCode();
        return response;
    }

    private async Task<HttpResponseMessage> PreflightAsync(string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, _second + "/login");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,rid,st-auth-mode");
        return await _http.SendAsync(request, Cancel);
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
