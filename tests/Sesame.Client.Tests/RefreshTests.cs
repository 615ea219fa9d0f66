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
    public async Task B12_RefreshAfterExpiry_CallsRefreshOnce(TokenTransferMethod method)
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
    public async Task B13_ExpiredToken_EndpointCountedOnce_RefreshOnce(TokenTransferMethod method)
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
    public async Task B14_ValidToken_NoRefresh(TokenTransferMethod method)
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
    public async Task B15_AttemptRefreshingSession_ReturnsTrue_ThenCallNeedsNoRefresh(TokenTransferMethod method)
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
    public async Task B16_HeaderMode_AccessTokenRemoved_AttemptRefreshingSessionRestoresIt()
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
    public async Task B18_RefreshSuccessWithoutFrontToken_ThrowsAndLogsTheMessage()
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
    public async Task B20_DoesSessionExist_ExpiredAccessToken_RefreshesAndReturnsTrue(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        h.ExpireAccessToken();

        Assert.True(await h.Session.DoesSessionExistAsync());
        Assert.Equal(2, h.Server.RefreshAttemptedCount); // the probe before login + 1
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task B21_GetAccessToken_ExpiredSession_ReturnsTheRefreshedToken()
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
    public async Task B22_GetAccessTokenPayload_ExpiredSession_RefreshesOnce_NewExpiry(TokenTransferMethod method)
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
    public async Task C23_HundredConcurrentCallsOnExpiredToken_AllSucceed_ExactlyOneRefresh(TokenTransferMethod method)
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
    public async Task C23_TenConcurrentAttemptRefreshingSession_FromOneSession_ExactlyOneRefresh()
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
    public async Task RefreshIsCountedInTheClientMeterAndActivity()
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
    public async Task SessionExpiredStatus440_EndToEnd()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, client: o => o.SessionExpiredStatusCode = 440, server: o => o.SessionExpiredStatusCode = 440);
        await h.LoginAsync();
        h.ExpireAccessToken();

        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(HttpStatusCode.OK, HttpStatusCode.OK);
    }
}
