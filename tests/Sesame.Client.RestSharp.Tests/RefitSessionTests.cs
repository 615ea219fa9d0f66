using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Refit;
using static Sesame.Client.RestSharp.Tests.Harness;

namespace Sesame.Client.RestSharp.Tests;

/// <summary>Refit with no extra package: <c>services.AddRefitClient&lt;T&gt;().AddSessionHandler()</c>.</summary>
public sealed class RefitSessionTests
{
    public static TheoryData<TokenTransferMethod> Methods => new() { TokenTransferMethod.Header, TokenTransferMethod.Cookie };

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Refit_expired_access_token_is_refreshed_once_and_the_call_succeeds(TokenTransferMethod method)
    {
        await using var h = await StartAsync(method);
        Assert.Equal("carol", await h.Refit.LoginAsync(new LoginBody("carol"), Ct));
        h.Server.ResetCounters(); // forget the probe of the first request (docs/protocol/refresh.md#probe)
        Assert.Equal("carol", await h.Refit.GetUserIdAsync(Ct));
        Assert.Equal(0, h.Server.RefreshCalledCount);

        h.ExpireAccessToken();
        Assert.Equal("carol", await h.Refit.GetUserIdAsync(Ct));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(1, h.Server.RefreshAttemptedCount);

        // IApiResponse<T> goes through the same chain.
        h.ExpireAccessToken();
        using var response = await h.Refit.GetUserIdResponseAsync(Ct);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("carol", response.Content);
        Assert.Equal(2, h.Server.RefreshCalledCount);
    }

    public static TheoryData<string> BodyKinds => new() { "json", "form", "multipart" };

    [Theory]
    [MemberData(nameof(BodyKinds))]
    public async Task Refit_json_form_and_multipart_bodies_are_replayed_byte_identical_after_the_refresh(string kind)
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();

        await using var echoed = kind switch
        {
            "json" => await h.Refit.EchoJsonAsync(new EchoPayload("łukasz 馬 / 马", 3, ["a", "\u0000b"]), Ct),
            "form" => await h.Refit.EchoFormAsync(new Dictionary<string, string> { ["name"] = "łukasz & 马", ["empty"] = "", ["sym"] = "a=b&c" }, Ct),
            _ => await h.Refit.EchoMultipartAsync(
                new ByteArrayPart([0x00, 0xFF, 0xFE, 0x80, .. Encoding.UTF8.GetBytes("\r\n--not-a-boundary\r\n"), 0x7F], "data.bin", "application/octet-stream"),
                "ünïcødé",
                Ct),
        };
        using var copy = new MemoryStream();
        await echoed.CopyToAsync(copy, Ct);

        Assert.Equal(1, h.Server.RefreshCalledCount);
        var seen = h.Bodies.All;
        Assert.Equal(2, seen.Count); // the rejected attempt, then the re-sent one
        Assert.NotEmpty(seen[0].Body);
        Assert.Equal(seen[0].Body, seen[1].Body);
        Assert.Equal(seen[0].ContentType, seen[1].ContentType);
        Assert.Equal(seen[1].Body, copy.ToArray());
        var expectedType = kind switch { "json" => "application/json", "form" => "application/x-www-form-urlencoded", _ => "multipart/form-data" };
        Assert.StartsWith(expectedType, seen[1].ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refit_refresh_401_surfaces_as_ApiException_with_the_refresh_status_and_content()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        await h.RevokeOnServerAsync();
        h.ExpireAccessToken();

        var error = await Assert.ThrowsAsync<ApiException>(() => h.Refit.GetUserIdAsync(Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("unauthorised", error.Content, StringComparison.Ordinal);
        Assert.Equal(h.Server.RefreshUri, error.Uri); // docs/protocol/refresh.md#retry-loop: the caller gets the refresh endpoint's answer
        Assert.False(await h.Session.DoesSessionExistAsync(Ct));
        Assert.Equal(0, h.Server.RefreshCalledCount);

        // IApiResponse<T>: no exception, the error is on the response; no session ⇒ no further refresh attempt.
        var attempts = h.Server.RefreshAttemptedCount;
        using var response = await h.Refit.GetUserIdResponseAsync(Ct);
        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var responseError = Assert.IsType<ApiException>(response.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, responseError.StatusCode);
        Assert.Contains("unauthorised", responseError.Content, StringComparison.Ordinal);
        Assert.Equal(attempts, h.Server.RefreshAttemptedCount);
    }

    [Fact]
    public async Task Refit_refresh_500_surfaces_as_ApiException_500_and_the_session_is_kept()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.RefreshPath, new() { Status = 500, Body = "refresh broke", ContentType = "text/plain" }, times: 2);

        var error = await Assert.ThrowsAsync<ApiException>(() => h.Refit.GetUserIdAsync(Ct));
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal("refresh broke", error.Content);

        using (var response = await h.Refit.GetUserIdResponseAsync(Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("refresh broke", Assert.IsType<ApiException>(response.Error).Content);
        }

        Assert.Equal("alice", await h.Refit.GetUserIdAsync(Ct));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(3, h.Server.RefreshAttemptedCount);
    }

    [Fact]
    public async Task Refit_refresh_network_error_surfaces_as_Refit_transport_error_and_the_session_is_kept()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.RefreshPath, new() { Abort = true });

        var error = await Assert.ThrowsAsync<ApiRequestException>(() => h.Refit.GetUserIdAsync(Ct));
        Assert.IsType<HttpRequestException>(error.InnerException);
        Assert.Equal(0, h.Server.RefreshCalledCount);

        Assert.Equal("alice", await h.Refit.GetUserIdAsync(Ct));
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task Refit_user_Authorization_header_is_sent_as_is_and_user_headers_survive_the_retry()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();

        var own = await h.Refit.HeadersAsync("Bearer someone-elses-token", "t1", Ct);
        Assert.Equal("Bearer someone-elses-token", own["authorization"]);
        Assert.Equal("t1", own["testing"]);

        var stale = await h.Session.GetAccessTokenAsync(Ct);
        h.ExpireAccessToken();
        var retried = await h.Refit.SessionHeadersAsync("t2", Ct); // needs a session: the retry carried a valid, refreshed token
        Assert.Equal("t2", retried["testing"]);
        Assert.StartsWith("Bearer ", retried["authorization"], StringComparison.Ordinal);
        Assert.NotEqual("Bearer " + stale, retried["authorization"]);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task Refit_HttpClient_timeout_bounds_the_call_including_the_refresh()
    {
        await using var h = await StartAsync(refit: b => b.ConfigureHttpClient(http => http.Timeout = TimeSpan.FromMilliseconds(400)));
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.RefreshPath, new() { Delay = TimeSpan.FromSeconds(20), Status = 500 });

        var started = TimeProvider.System.GetTimestamp();
        // What Refit makes of HttpClient's own timeout, as without the session: an ApiRequestException around it.
        var error = await Assert.ThrowsAsync<ApiRequestException>(() => h.Refit.GetUserIdAsync(Ct));
        var timeout = Assert.IsType<TaskCanceledException>(error.InnerException);
        Assert.IsType<TimeoutException>(timeout.InnerException);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));

        // The session was kept: the next call (through RestSharp, no tight timeout) refreshes once and succeeds.
        h.Server.ClearProgrammed();
        Assert.Equal("alice", (await h.Rest.ExecuteAsync(new global::RestSharp.RestRequest("/"), Ct)).Content);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task Refit_cancellation_during_the_refresh_cancels_the_call()
    {
        await using var h = await StartAsync();
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.RefreshPath, new() { Delay = TimeSpan.FromSeconds(20), Status = 500 });

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Refit.GetUserIdAsync(cancel.Token));

        Assert.Equal(0, h.Server.RefreshCalledCount);
        h.Server.ClearProgrammed();
        Assert.Equal("alice", await h.Refit.GetUserIdAsync(Ct));
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task Refit_adding_the_session_handler_twice_refreshes_once()
    {
        // Registering twice adds nothing, for Refit too: AddSessionHandler twice on the client and once for every client.
        await using var h = await StartAsync(
            refit: b => b.AddSessionHandler().AddSessionHandler(),
            services: s => s.AddSessionHandlerToAllHttpClients());

        await h.Refit.LoginAsync(new LoginBody("dave"), Ct);
        h.Server.ResetCounters(); // forget the probe of the first request (docs/protocol/refresh.md#probe)
        h.ExpireAccessToken();
        Assert.Equal("dave", await h.Refit.GetUserIdAsync(Ct));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(1, h.Server.RefreshAttemptedCount);

        Assert.Equal("success", await h.Refit.LogoutAsync(Ct));
        Assert.False(await h.Session.DoesSessionExistAsync(Ct));
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
    }
}

/// <summary>RestSharp and Refit sharing one session in one container.</summary>
public sealed class RestSharpAndRefitConcurrencyTests
{
    [Fact]
    public async Task Fifty_RestSharp_and_fifty_Refit_calls_on_one_expired_session_cost_exactly_one_refresh()
    {
        await using var h = await StartAsync();
        await h.LoginAsync("erin");
        h.ExpireAccessToken();

        var rest = h.Rest;
        var refit = h.Refit;
        using var start = new ManualResetEventSlim(false);
        var calls = new List<Task<string?>>();
        for (var i = 0; i < 50; i++)
        {
            calls.Add(Task.Run(async () =>
            {
                start.Wait(Ct);
                var response = await rest.ExecuteAsync(new global::RestSharp.RestRequest("/"), Ct);
                return response.StatusCode == HttpStatusCode.OK ? response.Content : $"{(int)response.StatusCode} {response.ErrorMessage}";
            }));
            calls.Add(Task.Run(async () =>
            {
                start.Wait(Ct);
                return (string?)await refit.GetUserIdAsync(Ct);
            }));
        }

        start.Set();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal("erin", r));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
        Assert.Equal(100, h.Server.GetSessionCalledCount);
    }
}
