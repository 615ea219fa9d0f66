using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sesame.AspNetCore.Storage;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>
/// The real SQLite store, counting reads and compare-and-set writes. Its compare-and-set can be held at the door (so that concurrent
/// requests provably arrive while a promotion is in progress, which a fast disk does not do on demand) and, while held, made to fail
/// as an outage would. Honours the caller's cancellation token while held, as a real database call would.
/// </summary>
internal sealed class HeldRotationStore(ISessionStore inner) : ISessionStore
{
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _finds;
    private int _rotations;

    public volatile bool Hold;

    public volatile bool FailHeldRotations;

    public int Finds => Volatile.Read(ref _finds);

    public int Rotations => Volatile.Read(ref _rotations);

    /// <summary>Completes when a compare-and-set first reaches the held door.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _release.TrySetResult();

    public void ResetCounts()
    {
        Interlocked.Exchange(ref _finds, 0);
        Interlocked.Exchange(ref _rotations, 0);
        _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public Task<StoredSession?> FindAsync(string sessionHandle, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _finds);
        return inner.FindAsync(sessionHandle, cancellationToken);
    }

    public async Task<bool> TryRotateAsync(string sessionHandle, string expectedRefreshTokenHash2, string newRefreshTokenHash2, DateTimeOffset newExpiresAt,
        SessionRotationRecord record, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _rotations);
        if (Hold)
        {
            _entered.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
            if (FailHeldRotations)
            {
                throw new SessionStoreUnavailableException("simulated outage during the promotion write");
            }
        }

        return await inner.TryRotateAsync(sessionHandle, expectedRefreshTokenHash2, newRefreshTokenHash2, newExpiresAt, record, cancellationToken);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);
    public Task CreateAsync(StoredSession session, CancellationToken cancellationToken) => inner.CreateAsync(session, cancellationToken);
    public Task<bool> UpdatePayloadAsync(string sessionHandle, string accessTokenPayloadJson, CancellationToken cancellationToken) =>
        inner.UpdatePayloadAsync(sessionHandle, accessTokenPayloadJson, cancellationToken);
    public Task<bool> TryUpdateSessionDataAsync(string sessionHandle, string expectedSessionDataJson, string sessionDataJson, CancellationToken cancellationToken) =>
        inner.TryUpdateSessionDataAsync(sessionHandle, expectedSessionDataJson, sessionDataJson, cancellationToken);
    public Task<bool> DeleteAsync(string sessionHandle, CancellationToken cancellationToken) => inner.DeleteAsync(sessionHandle, cancellationToken);
    public Task<IReadOnlyList<string>> DeleteByUserAsync(string userId, CancellationToken cancellationToken) => inner.DeleteByUserAsync(userId, cancellationToken);
    public Task<IReadOnlyList<StoredSession>> ListByUserAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.ListByUserAsync(userId, now, cancellationToken);
    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) => inner.DeleteExpiredAsync(now, cancellationToken);
    public Task<IReadOnlyList<StoredSigningKey>> GetSigningKeysAsync(CancellationToken cancellationToken) => inner.GetSigningKeysAsync(cancellationToken);
    public Task<bool> TryAddSigningKeyAsync(StoredSigningKey key, CancellationToken cancellationToken) => inner.TryAddSigningKeyAsync(key, cancellationToken);
    public Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken) =>
        inner.GetOrCreateSecretAsync(name, create, cancellationToken);

    public Task<bool> TryProtectSigningKeyAsync(string keyId, byte[] protectedMaterial, CancellationToken cancellationToken) =>
        inner.TryProtectSigningKeyAsync(keyId, protectedMaterial, cancellationToken);

    public Task<bool> DeleteSigningKeyAsync(string keyId, CancellationToken cancellationToken) =>
        inner.DeleteSigningKeyAsync(keyId, cancellationToken);
}

/// <summary>Counts requests as they enter the server, ahead of authentication (so a test knows they all arrived).</summary>
internal sealed class ArrivalCounter : IStartupFilter
{
    private int _arrived;

    public int Arrived => Volatile.Read(ref _arrived);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, following) =>
        {
            Interlocked.Increment(ref _arrived);
            await following(context);
        });
        next(app);
    };
}

/// <summary>
/// Verify-time promotion (docs/protocol/rotation.md#verify-time-promotion) under a storm: after a refresh a client re-sends all its waiting requests with the new,
/// unpromoted access token at once. They share one promotion (PromotionFlight) instead of each reading the row and queueing a
/// compare-and-set behind the one that wins.
/// </summary>
public sealed class PromotionSingleFlightTests
{
    private const int Concurrent = 20;

    private static async Task<HttpResponseMessage> GetWithTokenAsync(HttpClient http, string accessToken, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await http.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// A server on the held store, and a client that logged in and refreshed, so it holds a child access token never used; the store's
    /// compare-and-set is held (and, if asked, fails when released) from here on.
    /// </summary>
    private sealed class HeldPromotion : IAsyncDisposable
    {
        private readonly ArrivalCounter _arrivals;
        private readonly int _arrivedBefore;

        private HeldPromotion(SesameTestServer server, HeldRotationStore store, ArrivalCounter arrivals, HeaderSession client)
        {
            Server = server;
            Store = store;
            _arrivals = arrivals;
            Client = client;
            Child = client.AccessToken!;
            _arrivedBefore = arrivals.Arrived;
        }

        public SesameTestServer Server { get; }

        public HeldRotationStore Store { get; }

        public HeaderSession Client { get; }

        public string Child { get; }

        public static async Task<HeldPromotion> StartAsync(bool failHeldRotations)
        {
            HeldRotationStore? store = null;
            var arrivals = new ArrivalCounter();
            var path = SesameTestServer.NewDatabasePath();
            var server = await SesameTestServer.StartAsync(new SesameTestServerSettings
            {
                DatabasePath = path,
                ConfigureServices = services =>
                {
                    services.AddSingleton<ISessionStore>(_ => store = new HeldRotationStore(new SqliteSessionStore(path, NullLogger<SqliteSessionStore>.Instance)));
                    services.AddSingleton<IStartupFilter>(arrivals);
                },
            });
            var client = new HeaderSession(server);
            await client.LoginAsync("u1");
            await client.RefreshAsync();
            Assert.NotNull(Jwt.Payload(client.AccessToken!)["parentRefreshTokenHash1"]);
            store!.ResetCounts();
            store.Hold = true;
            store.FailHeldRotations = failHeldRotations;
            return new HeldPromotion(server, store, arrivals, client);
        }

        /// <summary>Waits (real time: the requests travel over loopback) until <paramref name="count"/> requests entered the server, then
        /// a little longer so each can reach verification (or until each has reached the compare-and-set, which only a missing single
        /// flight allows).</summary>
        public async Task WaitUntilAllArrivedAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (_arrivals.Arrived < _arrivedBefore + count)
            {
                await Task.Delay(5, timeout.Token);
            }

            for (var waited = 0; waited < 300 && Store.Rotations < count; waited += 10)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        /// <summary>The session row holds the hash of the child refresh token the client received: the child was promoted.</summary>
        public async Task AssertRowHoldsTheChildRefreshTokenAsync()
        {
            var row = await Store.FindAsync((string)Jwt.Payload(Child)["sessionHandle"]!, CancellationToken.None);
            Assert.Equal(Sha(Sha(Client.RefreshToken!)), row!.RefreshTokenHash2);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Server.DisposeAsync();
        }

        private static string Sha(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToLowerInvariant();
    }

    [Fact]
    public async Task Concurrent_first_uses_of_a_refreshed_access_token_share_one_promotion_with_exactly_one_store_write()
    {
        await using var storm = await HeldPromotion.StartAsync(failHeldRotations: false);
        var (store, client, child) = (storm.Store, storm.Client, storm.Child);

        var calls = Enumerable.Range(0, Concurrent).Select(_ => GetWithTokenAsync(client.Http, child)).ToArray();
        await store.Entered.WaitAsync(TimeSpan.FromSeconds(20));
        // Without the single flight every request would read the row and queue its own compare-and-set behind the held one.
        await storm.WaitUntilAllArrivedAsync(Concurrent);
        store.Release();
        var responses = await Task.WhenAll(calls);

        Assert.Equal(1, store.Rotations);
        // One row read for the shared promotion; a request that reached verification only after it ended may read once more.
        Assert.InRange(store.Finds, 1, 2);
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("u1", await response.BodyAsync());
            fresh.Add(response.Header("st-access-token")!);
        }

        // All got the same promoted token (no parent hash), and the row holds the child refresh token.
        var promoted = Assert.Single(fresh);
        Assert.Null(Jwt.Payload(promoted)["parentRefreshTokenHash1"]);
        await storm.AssertRowHoldsTheChildRefreshTokenAsync();
    }

    [Fact]
    public async Task A_shared_promotion_completes_for_the_others_when_the_request_that_started_it_goes_away()
    {
        await using var storm = await HeldPromotion.StartAsync(failHeldRotations: false);
        var (server, store, client, child) = (storm.Server, storm.Store, storm.Client, storm.Child);

        // The first request starts the promotion and is abandoned by its client while the write is in progress.
        using var firstClient = new HttpClient { BaseAddress = server.BaseAddress };
        using var abandon = new CancellationTokenSource();
        var first = GetWithTokenAsync(firstClient, child, abandon.Token);
        await store.Entered.WaitAsync(TimeSpan.FromSeconds(20));
        var others = Enumerable.Range(0, Concurrent - 1).Select(_ => GetWithTokenAsync(client.Http, child)).ToArray();
        await storm.WaitUntilAllArrivedAsync(Concurrent);
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        firstClient.Dispose(); // closes the connection: the server sees the request aborted
        await Task.Delay(200); // real time for Kestrel to notice the closed connection and cancel RequestAborted
        store.Release();

        foreach (var response in await Task.WhenAll(others))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Null(Jwt.Payload(response.Header("st-access-token")!)["parentRefreshTokenHash1"]);
        }

        Assert.Equal(1, store.Rotations);
        await storm.AssertRowHoldsTheChildRefreshTokenAsync();
    }

    [Fact]
    public async Task A_failed_shared_promotion_fails_only_its_waiters_and_the_next_request_promotes_again()
    {
        await using var storm = await HeldPromotion.StartAsync(failHeldRotations: true);
        var (store, client, child) = (storm.Store, storm.Client, storm.Child);

        var calls = Enumerable.Range(0, Concurrent).Select(_ => GetWithTokenAsync(client.Http, child)).ToArray();
        await store.Entered.WaitAsync(TimeSpan.FromSeconds(20));
        await storm.WaitUntilAllArrivedAsync(Concurrent);
        store.Release();
        foreach (var response in await Task.WhenAll(calls))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Null(response.Header("st-access-token"));
        }

        Assert.Equal(1, store.Rotations);

        // The outage is over: the failure was not remembered, the next request promotes the child token.
        store.Hold = false;
        var next = await GetWithTokenAsync(client.Http, child);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Null(Jwt.Payload(next.Header("st-access-token")!)["parentRefreshTokenHash1"]);
        Assert.Equal(2, store.Rotations);
        await storm.AssertRowHoldsTheChildRefreshTokenAsync();
    }
}
