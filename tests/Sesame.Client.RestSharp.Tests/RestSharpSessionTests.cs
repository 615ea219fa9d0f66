using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RestSharp;
using RestSharp.Authenticators;
using Sesame.Client.RestSharp;
using Sesame.Testing.Server;
using static Sesame.Client.RestSharp.Tests.Harness;

namespace Sesame.Client.RestSharp.Tests;

/// <summary>RestSharp clients with the session: the DI <c>IRestClient</c> and <c>new RestClient(options.UseSesameSession(…))</c>.</summary>
public sealed class RestSharpSessionTests
{
    public static TheoryData<string, TokenTransferMethod> ClientsAndMethods => new()
    {
        { "di", TokenTransferMethod.Header },
        { "di", TokenTransferMethod.Cookie },
        { "options", TokenTransferMethod.Header },
        { "options", TokenTransferMethod.Cookie },
    };

    [Theory]
    [MemberData(nameof(ClientsAndMethods))]
    public async Task RestSharp_expired_access_token_is_refreshed_once_and_the_call_succeeds(string client, TokenTransferMethod method)
    {
        await using var h = await StartAsync(method);
        await h.LoginAsync("alice");
        using var own = h.NewRestClient();
        var rest = client == "di" ? h.Rest : own;

        var before = await rest.ExecuteAsync(new RestRequest("/"), Ct);
        Assert.Equal((HttpStatusCode.OK, "alice"), (before.StatusCode, before.Content));
        Assert.Equal(0, h.Server.RefreshCalledCount);

        h.ExpireAccessToken();
        var after = await rest.ExecuteAsync(new RestRequest("/"), Ct);
        Assert.Equal((HttpStatusCode.OK, "alice"), (after.StatusCode, after.Content));
        Assert.Equal(ResponseStatus.Completed, after.ResponseStatus);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(1, h.Server.RefreshAttemptedCount);

        // The typed helpers go through the same chain.
        h.ExpireAccessToken();
        Assert.Equal("alice", (await rest.GetAsync(new RestRequest("/"), Ct)).Content);
        Assert.Equal(2, h.Server.RefreshCalledCount);
    }

    public static TheoryData<string> BodyKinds => new() { "json", "form", "multipart" };

    [Theory]
    [MemberData(nameof(BodyKinds))]
    public async Task RestSharp_json_form_and_multipart_bodies_are_replayed_byte_identical_after_the_refresh(string kind)
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();

        var request = new RestRequest("/echo", Method.Post);
        switch (kind)
        {
            case "json":
                request.AddJsonBody(new { name = "łukasz 馬 / 马", count = 3, tags = new[] { "a", "\u0000b" } });
                break;
            case "form":
                request.AddParameter("name", "łukasz & 马");
                request.AddParameter("empty", "");
                request.AddParameter("sym", "a=b&c");
                break;
            default:
                byte[] file = [0x00, 0xFF, 0xFE, 0x80, .. Encoding.UTF8.GetBytes("\r\n--not-a-boundary\r\n"), 0x7F];
                request.AddFile("file", file, "data.bin", "application/octet-stream");
                request.AddParameter("note", "ünïcødé");
                request.AlwaysMultipartFormData = true;
                break;
        }

        var response = await h.Rest.ExecuteAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        var seen = h.Bodies.All;
        Assert.Equal(2, seen.Count); // the rejected attempt, then the re-sent one
        Assert.NotEmpty(seen[0].Body);
        Assert.Equal(seen[0].Body, seen[1].Body);
        Assert.Equal(seen[0].ContentType, seen[1].ContentType);
        Assert.Equal(seen[1].Body, response.RawBytes);
        var expectedType = kind switch { "json" => "application/json", "form" => "application/x-www-form-urlencoded", _ => "multipart/form-data" };
        Assert.StartsWith(expectedType, seen[1].ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestSharp_BaseUrl_with_a_path_and_relative_resources_are_inside_the_interception_scope()
    {
        await using var h = await StartAsync();
        await h.LoginAsync("bob");
        h.ExpireAccessToken();

        using var v1 = h.NewRestClient(baseUrl: new Uri(h.Server.BaseAddress, "v1/"));
        var response = await v1.ExecuteAsync(new RestRequest("me"), Ct);

        Assert.Equal((HttpStatusCode.OK, "bob"), (response.StatusCode, response.Content));
        Assert.Equal(new Uri(h.Server.BaseAddress, "v1/me"), response.ResponseUri);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task RestSharp_requests_to_another_host_get_no_session_headers()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();

        // The same server under another host name is outside the API domain (127.0.0.1): nothing of the session may leak there.
        using var other = h.NewRestClient(baseUrl: new Uri($"http://localhost:{h.Server.BaseAddress.Port}/"));
        var outside = Json.Headers((await other.ExecuteAsync(new RestRequest("headers"), Ct)).Content);
        Assert.False(outside.ContainsKey("authorization"));
        Assert.False(outside.ContainsKey("st-auth-mode"));
        Assert.False(outside.ContainsKey("rid"));

        using var same = h.NewRestClient();
        var inside = Json.Headers((await same.ExecuteAsync(new RestRequest("headers"), Ct)).Content);
        Assert.StartsWith("Bearer ", inside["authorization"], StringComparison.Ordinal);
        Assert.Equal("header", inside["st-auth-mode"]);
        Assert.Equal("anti-csrf", inside["rid"]);
    }

    [Fact]
    public async Task RestSharp_user_headers_survive_the_retry_and_a_user_rid_wins()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();

        var request = new RestRequest("/headers-auth").AddHeader("testing", "kept").AddHeader("rid", "mine");
        var response = await h.Rest.ExecuteAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Json.Headers(response.Content);
        Assert.Equal("kept", seen["testing"]);
        Assert.Equal("mine", seen["rid"]);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task RestSharp_a_user_Authorization_is_sent_as_is_and_never_replaced()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();

        // docs/protocol/wire-format.md#request-headers: the caller's own Authorization wins (RestSharp's JwtAuthenticator sets it); the session adds none.
        var request = new RestRequest("/headers") { Authenticator = new JwtAuthenticator("someone-elses-token") };
        var seen = Json.Headers((await h.Rest.ExecuteAsync(request, Ct)).Content);

        Assert.Equal("Bearer someone-elses-token", seen["authorization"]);
        Assert.Equal("header", seen["st-auth-mode"]);
    }

    [Fact]
    public async Task RestSharp_an_Authorization_copied_from_the_session_is_replaced_by_the_fresh_token_on_the_retry()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        var stale = await h.Session.GetAccessTokenAsync(Ct);
        Assert.NotNull(stale);
        h.ExpireAccessToken();

        // docs/protocol/wire-format.md#request-headers: "Bearer <our stored access token>" set by the caller is ours: stripped, so the retry carries the refreshed one.
        var request = new RestRequest("/headers-auth") { Authenticator = new JwtAuthenticator(stale) };
        var response = await h.Rest.ExecuteAsync(request, Ct);

        // /headers-auth needs a valid session, so the 200 says the token that reached the server was the refreshed one.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Json.Headers(response.Content)["authorization"];
        Assert.StartsWith("Bearer ", sent, StringComparison.Ordinal);
        Assert.NotEqual("Bearer " + stale, sent);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task RestSharp_registering_the_session_twice_refreshes_once()
    {
        // Registering twice adds nothing: the handler ×2 before login, again after login and logout ⇒ exactly one refresh, no session at the end.
        await using var h = await StartAsync(services: s =>
        {
            s.AddSessionHandlerToAllHttpClients();
            s.AddSesameRestClient().AddSessionHandler();
        });
        using var twice = h.NewRestClient(o => o.UseSesameSession(h.Coordinator).UseSesameSession(h.Services));

        // A custom wrapper hides the first session handler from the second registration: two handlers really are in the chain.
        var hidden = new RestClientOptions(h.Server.BaseAddress);
        hidden.UseSesameSession(h.Coordinator);
        var inner = hidden.ConfigureMessageHandler!;
        hidden.ConfigureMessageHandler = handler => new OpaqueHandler(inner(handler));
        using var doubled = new RestClient(hidden.UseSesameSession(h.Coordinator));

        await h.LoginAsync();
        h.ExpireAccessToken();
        Assert.Equal("alice", (await twice.ExecuteAsync(new RestRequest("/"), Ct)).Content);
        Assert.Equal("alice", (await h.Rest.ExecuteAsync(new RestRequest("/"), Ct)).Content);
        Assert.Equal(1, h.Server.RefreshCalledCount);

        h.ExpireAccessToken();
        Assert.Equal("alice", (await doubled.ExecuteAsync(new RestRequest("/"), Ct)).Content);
        Assert.Equal(2, h.Server.RefreshCalledCount);
        Assert.Equal(2, h.Server.RefreshAttemptedCount);

        Assert.Equal(HttpStatusCode.OK, (await twice.ExecuteAsync(new RestRequest("/logout", Method.Post), Ct)).StatusCode);
        Assert.False(await h.Session.DoesSessionExistAsync(Ct));
        Assert.Equal(2, h.Server.RefreshAttemptedCount);
    }

    [Fact]
    public void RestSharp_UseSesameSession_twice_builds_a_chain_with_one_session_handler()
    {
        var coordinator = new ServiceCollection().AddSesameClient(o => o.ApiDomain = "http://127.0.0.1:1").Services
            .BuildServiceProvider().GetRequiredService<RefreshCoordinator>();
        var options = new RestClientOptions("http://127.0.0.1:1/").UseSesameSession(coordinator).UseSesameSession(coordinator);

        using var chain = options.ConfigureMessageHandler!(new HttpClientHandler());

        var count = 0;
        for (HttpMessageHandler? current = chain; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            count += current is SessionHandler ? 1 : 0;
        }

        Assert.Equal(1, count);
        Assert.IsType<SessionHandler>(chain);
    }

    [Fact]
    public async Task RestSharp_on_the_explicit_API_session_refreshes_once_after_SesameSession_Init()
    {
        // The seeds' makeSuper(axios) + init(refreshTokenUrl, code): the only test in this process that uses the static explicit API.
        await using var h = await StartAsync();
        var options = new RestClientOptions(h.Server.BaseAddress).UseSesameSession(); // registered before Init, resolved when the client is built
        SesameRequest.Init(new SesameClientOptions { RefreshTokenUrl = h.Server.RefreshUri.ToString(), TokenTransferMethod = TokenTransferMethod.Header },
            tokenStore: new MemoryTokenStore(), timeProvider: h.Time, viaInterceptor: false);
        using var api = new RestClient(options);

        var login = await api.ExecuteAsync(new RestRequest("/login", Method.Post).AddJsonBody(new { userId = "frank" }), Ct);
        Assert.Equal("frank", login.Content);
        h.Server.ResetCounters();
        h.ExpireAccessToken();

        Assert.Equal("frank", (await api.ExecuteAsync(new RestRequest("/"), Ct)).Content);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.True(await SesameRequest.DoesSessionExistAsync(Ct));
    }

    [Fact]
    public async Task RestSharp_refresh_401_ends_the_session_and_the_caller_gets_the_refresh_response_as_RestSharp_reports_errors()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        await h.RevokeOnServerAsync();
        h.ExpireAccessToken();

        // ExecuteAsync: a response carrying the error (docs/protocol/refresh.md#outcomes: the refresh's 401 and body, its URL is the refresh URL).
        var response = await h.Rest.ExecuteAsync(new RestRequest("/"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("unauthorised", response.Content, StringComparison.Ordinal);
        Assert.Equal(h.Server.RefreshUri, response.ResponseUri);
        Assert.Equal(ResponseStatus.Error, response.ResponseStatus);
        var error = Assert.IsType<HttpRequestException>(response.ErrorException);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.False(await h.Session.DoesSessionExistAsync(Ct));

        // No session left: the next 401 is handed over as it is, with no refresh attempt.
        var attempts = h.Server.RefreshAttemptedCount;
        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => h.Rest.GetAsync(new RestRequest("/"), Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, thrown.StatusCode);

        // GetAsync<T> is RestSharp's own: it deserialises the error body first, so an error body that does not fit T surfaces as
        // RestSharp's deserialisation error (ThrowIfError), one that fits as the HttpRequestException with the status.
        await Assert.ThrowsAsync<System.Text.Json.JsonException>(() => h.Rest.GetAsync<string>(new RestRequest("/"), Ct));
        var typed = await Assert.ThrowsAsync<HttpRequestException>(() => h.Rest.GetAsync<Dictionary<string, string>>(new RestRequest("/"), Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, typed.StatusCode);
        using var strict = h.NewRestClient(o => o.ThrowOnAnyError = true);
        var strictError = await Assert.ThrowsAsync<HttpRequestException>(() => strict.ExecuteAsync(new RestRequest("/"), Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, strictError.StatusCode);
        Assert.Equal(attempts, h.Server.RefreshAttemptedCount);
        Assert.Equal(0, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task RestSharp_refresh_500_keeps_the_session_and_the_caller_sees_the_500_and_its_body()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.RefreshPath, new() { Status = 500, Body = "refresh broke", ContentType = "text/plain" }, times: 2);

        var response = await h.Rest.ExecuteAsync(new RestRequest("/"), Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("refresh broke", response.Content);
        Assert.Equal(ResponseStatus.Error, response.ResponseStatus);

        using var strict = h.NewRestClient(o => o.ThrowOnAnyError = true);
        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => strict.ExecuteAsync(new RestRequest("/"), Ct));
        Assert.Equal(HttpStatusCode.InternalServerError, thrown.StatusCode);

        // The session was kept: once the endpoint works, the same call refreshes and succeeds.
        Assert.Equal("alice", (await h.Rest.ExecuteAsync(new RestRequest("/"), Ct)).Content);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(3, h.Server.RefreshAttemptedCount);
    }

    [Fact]
    public async Task RestSharp_refresh_network_error_is_reported_as_RestSharp_reports_network_errors()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.RefreshPath, new() { Abort = true }, times: 2);

        var response = await h.Rest.ExecuteAsync(new RestRequest("/"), Ct);
        Assert.Equal(ResponseStatus.Error, response.ResponseStatus);
        Assert.Equal((HttpStatusCode)0, response.StatusCode);
        Assert.IsType<HttpRequestException>(response.ErrorException);

        using var strict = h.NewRestClient(o => o.ThrowOnAnyError = true);
        await Assert.ThrowsAsync<HttpRequestException>(() => strict.ExecuteAsync(new RestRequest("/"), Ct));
        Assert.True(await h.Session.DoesSessionExistAsync(Ct));
        Assert.Equal(1, h.Server.RefreshCalledCount); // DoesSessionExist refreshed the kept session
    }

    [Fact]
    public async Task RestSharp_request_timeout_bounds_the_call_including_the_refresh_and_the_request_keeps_its_options()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.RefreshPath, new() { Delay = TimeSpan.FromSeconds(20), Status = 500 });

        var request = new RestRequest("/") { Timeout = TimeSpan.FromMilliseconds(400) };
        var started = TimeProvider.System.GetTimestamp();
        var response = await h.Rest.ExecuteAsync(request, Ct);

        Assert.Equal(ResponseStatus.TimedOut, response.ResponseStatus);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(400), response.Request.Timeout); // the caller's options are what was used
        Assert.Equal(TimeSpan.FromMilliseconds(400), request.Timeout);

        // The session was kept; the next call refreshes normally (the slow answer is dropped in case a loaded machine timed out earlier).
        h.Server.ClearProgrammed();
        Assert.Equal("alice", (await h.Rest.ExecuteAsync(new RestRequest("/"), Ct)).Content);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task RestSharp_cancellation_during_the_refresh_aborts_the_call_as_RestSharp_does()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.RefreshPath, new() { Delay = TimeSpan.FromSeconds(20), Status = 500 });

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        var response = await h.Rest.ExecuteAsync(new RestRequest("/"), cancel.Token);

        Assert.Equal(ResponseStatus.Aborted, response.ResponseStatus);
        Assert.IsAssignableFrom<OperationCanceledException>(response.ErrorException);
        Assert.Equal(0, h.Server.RefreshCalledCount);
        h.Server.ClearProgrammed();
        Assert.Equal("alice", (await h.Rest.ExecuteAsync(new RestRequest("/"), Ct)).Content);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task RestSharp_interceptors_before_and_after_the_session_see_the_retried_call()
    {
        // The caller's interceptors add headers to the request and see the final response.
        var after = new List<HttpStatusCode>();
        await using var h = await StartAsync(rest: o => o.Interceptors = [new HeaderInterceptor("interceptorheader1", "value1", after)]);
        await h.LoginAsync();
        h.ExpireAccessToken();
        after.Clear(); // the login went through the client-wide interceptor too

        var request = new RestRequest("/headers-auth") { Interceptors = [new HeaderInterceptor("interceptorheader2", "value2", after)] };
        var response = await h.Rest.ExecuteAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Json.Headers(response.Content);
        Assert.Equal("value1", seen["interceptorheader1"]);
        Assert.Equal("value2", seen["interceptorheader2"]);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], after); // both interceptors see the final answer, not the rejected attempt
    }

    private sealed class HeaderInterceptor(string name, string value, List<HttpStatusCode> after) : global::RestSharp.Interceptors.Interceptor
    {
        public override ValueTask BeforeHttpRequest(HttpRequestMessage requestMessage, CancellationToken cancellationToken)
        {
            requestMessage.Headers.TryAddWithoutValidation(name, value);
            return ValueTask.CompletedTask;
        }

        public override ValueTask AfterHttpRequest(HttpResponseMessage responseMessage, CancellationToken cancellationToken)
        {
            lock (after)
            {
                after.Add(responseMessage.StatusCode);
            }

            return ValueTask.CompletedTask;
        }
    }
}
