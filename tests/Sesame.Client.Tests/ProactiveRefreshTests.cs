using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests;

/// <summary>
/// <see cref="SesameClientOptions.ProactiveRefresh"/> (docs/protocol/refresh.md#proactive-refresh) against the real test server on Kestrel:
/// the server's 401 answers are counted on the server, the server and the client each have their own fake clock (moved together, or
/// apart to make a skew), and every refresh is the coordinator's one refresh.
/// </summary>
public sealed class ProactiveRefreshTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Known_expired_token_refreshes_before_the_call_and_the_api_never_answers_401(TokenTransferMethod method)
    {
        await using var h = await Harness.StartAsync(method, o => o.ProactiveRefresh = true);
        await h.LoginAsync();
        h.AdvanceBothClocks(Lifetime + TimeSpan.FromSeconds(1));

        Assert.Equal((200, "alice"), await h.GetAsync("/"));

        Assert.Equal(0, h.Statuses.Count(401));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(1, h.Server.GetSessionCalledCount);
        Assert.Equal(1, h.Events.Count(e => e.Type == SessionEventType.RefreshSession));
    }

    [Fact]
    public async Task Token_within_RefreshBeforeExpiry_refreshes_before_the_call_and_one_outside_it_does_not()
    {
        await using var h = await Harness.StartAsync(TokenTransferMethod.Header, o =>
        {
            o.ProactiveRefresh = true;
            o.RefreshBeforeExpiry = TimeSpan.FromSeconds(10);
        });
        await h.LoginAsync();
        var firstExpiry = h.Coordinator.TokenStore.Current.DecodedFrontToken!.AccessTokenExpiresAt;

        // 12 s left: more than the margin, the call goes out on the token it has.
        h.AdvanceBothClocks(Lifetime - TimeSpan.FromSeconds(12));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(0, h.Server.RefreshAttemptedCount);

        // 8 s left: within the margin, the token is still valid but the call refreshes first.
        h.AdvanceBothClocks(TimeSpan.FromSeconds(4));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.True(h.Coordinator.TokenStore.Current.DecodedFrontToken!.AccessTokenExpiresAt > firstExpiry);
        Assert.Equal(0, h.Statuses.Count(401));
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Hundred_concurrent_calls_on_a_known_expired_token_cause_exactly_one_refresh_and_no_401(TokenTransferMethod method)
    {
        await using var h = await Harness.StartAsync(method, o => o.ProactiveRefresh = true);
        await h.LoginAsync();
        h.AdvanceBothClocks(Lifetime + TimeSpan.FromSeconds(1));

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => h.GetAsync("/")));

        Assert.All(results, r => Assert.Equal((200, "alice"), r));
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(0, h.Server.TheftDetectedCount);
        Assert.Equal(0, h.Statuses.Count(401));
    }

    [Theory]
    [InlineData(30)]
    [InlineData(-30)]
    [InlineData(5)]
    [InlineData(-5)]
    public async Task Client_clock_minutes_ahead_or_behind_the_servers_still_refreshes_at_the_servers_moment(int clientAheadMinutes)
    {
        var serverClock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var clientClock = new FakeTimeProvider(serverClock.GetUtcNow().AddMinutes(clientAheadMinutes));
        await using var h = await Harness.StartAsync(TokenTransferMethod.Header, o =>
        {
            o.ProactiveRefresh = true;
            o.RefreshBeforeExpiry = TimeSpan.FromSeconds(10);
        }, serverClock, clientClock);
        await h.LoginAsync();

        // By the server's clock 15 s are left: no refresh (a client trusting its own clock would refresh at once when ahead).
        h.AdvanceBothClocks(Lifetime - TimeSpan.FromSeconds(15));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(0, h.Server.RefreshAttemptedCount);

        // 5 s are left: within the margin, so the call refreshes first (a client trusting its own clock would wait when behind, and get a 401).
        h.AdvanceBothClocks(TimeSpan.FromSeconds(10));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);

        // Past the expiry of the first token and well before that of the new one: nothing more.
        h.AdvanceBothClocks(TimeSpan.FromSeconds(10));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
        Assert.Equal(0, h.Statuses.Count(401));
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Off_by_default_an_expired_token_gets_the_401_first_then_one_refresh(TokenTransferMethod method)
    {
        Assert.False(new SesameClientOptions().ProactiveRefresh);
        await using var h = await Harness.StartAsync(method, configure: null);
        await h.LoginAsync();
        h.AdvanceBothClocks(Lifetime + TimeSpan.FromSeconds(1));

        Assert.Equal((200, "alice"), await h.GetAsync("/"));

        Assert.Equal(1, h.Statuses.Count(401, "/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task A_margin_longer_than_the_token_lifetime_refreshes_at_half_the_lifetime_not_on_every_call()
    {
        await using var h = await Harness.StartAsync(TokenTransferMethod.Header, o =>
        {
            o.ProactiveRefresh = true;
            o.RefreshBeforeExpiry = TimeSpan.FromHours(1);
        });
        await h.LoginAsync();

        h.AdvanceBothClocks(TimeSpan.FromSeconds(25));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(0, h.Server.RefreshAttemptedCount);

        h.AdvanceBothClocks(TimeSpan.FromSeconds(6));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
    }

    [Fact]
    public async Task A_stream_body_that_must_not_be_buffered_is_sent_once_after_the_refresh_instead_of_failing_after_a_401()
    {
        // Without the option the same call refreshes after the 401 and then throws NonReplayableContentException (RequestTests).
        await using var h = await Harness.StartAsync(TokenTransferMethod.Header, o => o.ProactiveRefresh = true);
        await h.LoginAsync();
        h.AdvanceBothClocks(Lifetime + TimeSpan.FromSeconds(1));
        var body = Encoding.UTF8.GetBytes("sent once");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = new StreamContent(new MemoryStream(body)) };
        request.Options.Set(SessionRequestOptions.DoNotBufferContent, true);

        using var response = await h.Api.SendAsync(request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(0, h.Statuses.Count(401));
    }

    [Fact]
    public async Task A_failing_refresh_within_the_margin_still_sends_the_call_with_its_body_on_the_valid_token()
    {
        await using var h = await Harness.StartAsync(TokenTransferMethod.Header, o =>
        {
            o.ProactiveRefresh = true;
            o.RefreshBeforeExpiry = TimeSpan.FromSeconds(10);
        });
        await h.LoginAsync();
        h.AdvanceBothClocks(Lifetime - TimeSpan.FromSeconds(5));
        var before = h.Coordinator.TokenStore.Current;
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Abort = true });

        using var response = await h.Api.PostAsync("/echo", new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("the body"))));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("the body", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
        Assert.Equal(0, h.Server.RefreshCalledCount);
        Assert.Equal(before, h.Coordinator.TokenStore.Current);
        Assert.Equal(0, h.Statuses.Count(401));
    }

    [Fact]
    public async Task A_refresh_endpoint_failing_once_on_an_expired_token_falls_back_to_the_401_path_and_the_body_arrives()
    {
        await using var h = await Harness.StartAsync(TokenTransferMethod.Header, o => o.ProactiveRefresh = true);
        await h.LoginAsync();
        h.AdvanceBothClocks(Lifetime + TimeSpan.FromSeconds(1));
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Abort = true });

        using var response = await h.Api.PostAsync("/echo", new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("the body"))));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("the body", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, h.Server.RefreshAttemptedCount);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(1, h.Statuses.Count(401, "/echo"));
    }

    [Theory]
    [InlineData(false, "network error")]
    [InlineData(true, "network error")]
    [InlineData(false, "500")]
    [InlineData(true, "500")]
    [InlineData(false, "session ended")]
    [InlineData(true, "session ended")]
    public async Task A_refresh_endpoint_that_is_down_gives_the_caller_the_same_answer_with_and_without_the_option(bool proactive, string failure)
    {
        await using var h = await Harness.StartAsync(TokenTransferMethod.Header, o => o.ProactiveRefresh = proactive);
        await h.LoginAsync();
        h.AdvanceBothClocks(Lifetime + TimeSpan.FromSeconds(1));
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, failure switch
        {
            "network error" => new ProgrammedResponse { Abort = true },
            "500" => new ProgrammedResponse { Status = 500, Body = "{\"message\":\"down\"}", ContentType = "application/json" },
            _ => new ProgrammedResponse { Status = 401, Body = "{\"message\":\"unauthorised\"}", ContentType = "application/json", RemoveSession = true },
        }, int.MaxValue);
        var before = h.Coordinator.TokenStore.Current;

        // Today's answers (FailureTests): the network error is thrown, a 500 and a 401 from the refresh endpoint are handed to the caller.
        if (failure == "network error")
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => h.Api.PostAsync("/echo", new StringContent("the body")));
            Assert.Equal(before, h.Coordinator.TokenStore.Current);
        }
        else
        {
            using var response = await h.Api.PostAsync("/echo", new StringContent("the body"));
            Assert.Equal(failure == "500" ? 500 : 401, (int)response.StatusCode);
            Assert.Equal(h.Server.RefreshUri, response.RequestMessage!.RequestUri);
            Assert.Equal(failure == "500" ? "down" : "unauthorised", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
            Assert.Equal(failure == "500", h.Coordinator.TokenStore.Current.FrontToken is not null);
        }

        // The same error, reached in one refresh attempt either way when the session ended; with a failing endpoint the proactive
        // client tries the refresh once before the call and once after the call's 401, as without the option.
        var refreshAttempts = h.Server.RefreshAttemptedCount;
        Assert.Equal(proactive && failure != "session ended" ? 2 : 1, refreshAttempts);

        // The endpoint is back: the session (when kept) works again.
        h.Server.ClearProgrammed();
        if (failure != "session ended")
        {
            using var echo = await h.Api.PostAsync("/echo", new StringContent("again"));
            Assert.Equal("again", await echo.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Refreshing_disabled_by_a_zero_retry_limit_disables_the_proactive_refresh_too()
    {
        await using var h = await Harness.StartAsync(TokenTransferMethod.Header, o =>
        {
            o.ProactiveRefresh = true;
            o.MaxRetryAttemptsForSessionRefresh = 0;
        });
        await h.LoginAsync();
        h.AdvanceBothClocks(Lifetime + TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<SessionRefreshException>(() => h.Api.GetAsync("/"));

        Assert.Equal(0, h.Server.RefreshAttemptedCount);
        Assert.Equal(1, h.Statuses.Count(401, "/"));
    }

    [Fact]
    public void A_negative_RefreshBeforeExpiry_fails_validation_at_start()
    {
        var services = new ServiceCollection();
        services.AddSesameClient(o =>
        {
            o.ApiDomain = "https://api.example.com";
            o.ProactiveRefresh = true;
            o.RefreshBeforeExpiry = TimeSpan.FromSeconds(-1);
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<RefreshCoordinator>());

        Assert.Contains("RefreshBeforeExpiry must not be negative", error.Message);
        Assert.Equal(TimeSpan.FromSeconds(10), new SesameClientOptions().RefreshBeforeExpiry);
    }

    /// <summary>The test server (one-minute access tokens, its 401 answers counted) and a client built with dependency injection, each on its own fake clock.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        private Harness(SesameTestServer server, ServerStatusCounter statuses, ServiceProvider services, FakeTimeProvider serverClock, FakeTimeProvider clientClock)
        {
            Server = server;
            Statuses = statuses;
            _services = services;
            ServerClock = serverClock;
            ClientClock = clientClock;
            Api = services.GetRequiredService<IHttpClientFactory>().CreateClient("api");
            Coordinator = services.GetRequiredService<RefreshCoordinator>();
            services.GetRequiredService<ISessionEvents>().EventRaised += (_, e) =>
            {
                lock (Events)
                {
                    Events.Add(e);
                }
            };
        }

        public SesameTestServer Server { get; }

        public ServerStatusCounter Statuses { get; }

        public FakeTimeProvider ServerClock { get; }

        public FakeTimeProvider ClientClock { get; }

        public HttpClient Api { get; }

        public RefreshCoordinator Coordinator { get; }

        public List<SessionEvent> Events { get; } = [];

        public static async Task<Harness> StartAsync(
            TokenTransferMethod method, Action<SesameClientOptions>? configure, FakeTimeProvider? serverClock = null, FakeTimeProvider? clientClock = null)
        {
            serverClock ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
            clientClock ??= new FakeTimeProvider(serverClock.GetUtcNow());
            var statuses = new ServerStatusCounter();
            var server = await SesameTestServer.StartAsync(new SesameTestServerSettings
            {
                Time = serverClock,
                Configure = o => o.AccessTokenLifetime = Lifetime,
                ConfigureServices = s => s.AddSingleton<IStartupFilter>(statuses),
            });

            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(clientClock);
            services.AddSesameClient(o =>
            {
                o.ApiDomain = server.BaseAddress.ToString();
                o.TokenTransferMethod = method;
                configure?.Invoke(o);
            });
            services.AddHttpClient("api", c => c.BaseAddress = server.BaseAddress).AddSessionHandler();
            return new Harness(server, statuses, services.BuildServiceProvider(), serverClock, clientClock);
        }

        /// <summary>Time passes: both clocks move on by the same amount (their difference, the skew, stays).</summary>
        public void AdvanceBothClocks(TimeSpan by)
        {
            ServerClock.Advance(by);
            ClientClock.Advance(by);
        }

        /// <summary>Logs in, then sets the server's counters to 0 (the login's probe of the unknown state is a refresh that answers 401).</summary>
        public async Task LoginAsync()
        {
            using var response = await Api.PostAsync("/login", JsonContent.Create(new { userId = "alice" }));
            response.EnsureSuccessStatusCode();
            Server.ResetCounters();
            Statuses.Reset();
        }

        public async Task<(int Status, string Body)> GetAsync(string path)
        {
            using var response = await Api.GetAsync(path);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
