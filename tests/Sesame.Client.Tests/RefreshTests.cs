using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json.Nodes;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests;

/// <summary>Acceptance group B (refresh of a single request) and C (single flight), both transfer methods, real server, shared fake clock.</summary>
public sealed class RefreshTests
{
    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "B12")]
    public async Task Refresh_after_expiry_calls_refresh_once(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        Assert.Equal("alice", await h.LoginAsync());
        h.ExpireAccessToken();
        Assert.Equal(0, h.Server.RefreshCalledCount);

        var (status, body) = await h.GetAsync("/");

        Assert.Equal(200, status);
        Assert.Equal("alice", body);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "B13")]
    public async Task Expired_token_endpoint_counted_once_refresh_once(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();

        await h.GetAsync("/");

        Assert.Equal(1, h.Server.GetSessionCalledCount);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "B14")]
    public async Task Valid_token_no_refresh(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.Server.ResetCounters();

        Assert.Equal((200, "alice"), await h.GetAsync("/"));

        Assert.Equal(1, h.Server.GetSessionCalledCount);
        Assert.Equal(0, h.Server.RefreshAttemptedCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "B15")]
    public async Task Attempt_refreshing_session_returns_true_then_call_needs_no_refresh(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();

        Assert.True(await h.Session.AttemptRefreshingSessionAsync());
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "B16")]
    public async Task Header_mode_access_token_removed_attempt_refreshing_session_restores_it()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        await h.Store.UpdateAsync(t => t with { AccessToken = null }, default);

        Assert.True(await h.Session.AttemptRefreshingSessionAsync());
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.NotNull(h.Store.Current.AccessToken);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "B18")]
    public async Task Refresh_success_without_front_token_throws_and_logs_the_message()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.Program(h.Server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 200, Body = "{}" }, int.MaxValue);

        var error = await Assert.ThrowsAsync<SessionRefreshException>(() => h.Api.GetAsync("/"));

        Assert.Contains("The 'front-token' header is missing from a successful refresh-session response", error.Message);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message.Contains("'front-token' header is missing", StringComparison.Ordinal));
        Assert.Equal(1, h.Server.RefreshAttemptedCount - 1); // one probe before login, one refresh: no loop
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "B20")]
    public async Task Does_session_exist_expired_access_token_refreshes_and_returns_true(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();

        Assert.True(await h.Session.DoesSessionExistAsync());
        Assert.Equal(2, h.Server.RefreshAttemptedCount); // the probe before login + 1
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "B21")]
    public async Task Get_access_token_expired_session_returns_the_refreshed_token()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        var before = await h.Session.GetAccessTokenAsync();
        h.ExpireAccessToken();

        var after = await h.Session.GetAccessTokenAsync();

        Assert.NotNull(before);
        Assert.NotNull(after);
        Assert.NotEqual(before, after);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "B22")]
    public async Task Get_access_token_payload_expired_session_refreshes_once_new_expiry(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync(payload: new JsonObject { ["role"] = "admin" });
        var before = await h.Session.GetAccessTokenPayloadAsync();
        h.ExpireAccessToken();

        var after = await h.Session.GetAccessTokenPayloadAsync();

        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal("admin", after.GetProperty("role").GetString());
        Assert.True(after.GetProperty("exp").GetInt64() > before.GetProperty("exp").GetInt64());
        Assert.True(after.GetProperty("exp").GetInt64() * 1000 > h.Time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "C23")]
    public async Task Hundred_concurrent_calls_on_expired_token_all_succeed_exactly_one_refresh(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.ResetCounters();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => h.GetAsync("/")));

        Assert.All(results, r => Assert.Equal((200, "alice"), r));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(1, h.Server.RefreshAttemptedCount);
        Assert.Equal(0, h.Server.TheftDetectedCount);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "C23")]
    public async Task Ten_concurrent_attempt_refreshing_session_from_one_session_exactly_one_refresh()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.ExpireAccessToken();
        h.Server.ResetCounters();

        // All ten must start from the same session: the refresh lock is held while they are called, so no refresh can finish before
        // the last one read the session (without it, on a loaded machine the first refresh could complete on another thread while
        // later calls were still being made, and those rightly refresh the new session again).
        var refreshLock = h.Services.GetRequiredService<IRefreshLock>();
        Task<bool>[] attempts;
        await using (await refreshLock.TryAcquireAsync(TimeSpan.FromSeconds(10), default) ?? throw new InvalidOperationException("lock"))
        {
            attempts = Enumerable.Range(0, 10).Select(_ => h.Session.AttemptRefreshingSessionAsync()).ToArray();
        }

        var results = await Task.WhenAll(attempts);

        Assert.All(results, Assert.True);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task Refresh_is_counted_in_the_client_meter_and_activity()
    {
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == "Sesame.Client",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
        };
        var activities = new List<string>();
        listener.ActivityStopped = a => { lock (activities) { activities.Add(a.OperationName + "|" + a.GetTagItem("sesame.refresh.outcome")); } };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var refreshed = 0L;
        using var meters = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Sesame.Client" && instrument.Name == "sesame.client.refreshes")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "sesame.refresh.outcome" && (string?)tag.Value == "refreshed")
                {
                    Interlocked.Add(ref refreshed, value);
                }
            }
        });
        meters.Start();

        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.ExpireAccessToken();
        await h.GetAsync("/");

        lock (activities)
        {
            Assert.Contains("Sesame.Client.Refresh|refreshed", activities);
        }

        Assert.True(Interlocked.Read(ref refreshed) >= 1); // other tests' clients may count too: the meter is per container or process-wide

    }

    [Fact]
    public async Task Session_expired_status_440_end_to_end()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, client: o => o.SessionExpiredStatusCode = 440, server: o => o.SessionExpiredStatusCode = 440);
        await h.LoginAsync();
        h.ExpireAccessToken();

        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(HttpStatusCode.OK, HttpStatusCode.OK);
    }
}
