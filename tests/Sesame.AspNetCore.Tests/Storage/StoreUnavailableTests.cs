using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sesame.AspNetCore.Storage;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests.Storage;

/// <summary>
/// A database outage on demand: a real SQLite store behind a switch that throws <see cref="SessionStoreUnavailableException"/>
/// (a fake only for the fault; SQLite cannot be made unreachable mid-test).
/// </summary>
internal sealed class SwitchableOutageStore(ISessionStore inner) : ISessionStore
{
    public volatile bool Down;

    private T Check<T>(T value) => Down ? throw new SessionStoreUnavailableException("simulated outage") : value;

    private async Task<T> Run<T>(Func<Task<T>> call)
    {
        if (Down)
        {
            throw new SessionStoreUnavailableException("simulated outage");
        }

        return await call();
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);
    public Task CreateAsync(StoredSession session, CancellationToken cancellationToken) => Check(inner).CreateAsync(session, cancellationToken);
    public Task<StoredSession?> FindAsync(string sessionHandle, CancellationToken cancellationToken) => Run(() => inner.FindAsync(sessionHandle, cancellationToken));
    public Task<bool> TryRotateAsync(string sessionHandle, string expectedRefreshTokenHash2, string newRefreshTokenHash2, DateTimeOffset newExpiresAt, SessionRotationRecord record, CancellationToken cancellationToken) =>
        Run(() => inner.TryRotateAsync(sessionHandle, expectedRefreshTokenHash2, newRefreshTokenHash2, newExpiresAt, record, cancellationToken));
    public Task<bool> UpdatePayloadAsync(string sessionHandle, string accessTokenPayloadJson, CancellationToken cancellationToken) =>
        Run(() => inner.UpdatePayloadAsync(sessionHandle, accessTokenPayloadJson, cancellationToken));
    public Task<bool> TryUpdateSessionDataAsync(string sessionHandle, string expectedSessionDataJson, string sessionDataJson, CancellationToken cancellationToken) =>
        Run(() => inner.TryUpdateSessionDataAsync(sessionHandle, expectedSessionDataJson, sessionDataJson, cancellationToken));
    public Task<bool> DeleteAsync(string sessionHandle, CancellationToken cancellationToken) => Run(() => inner.DeleteAsync(sessionHandle, cancellationToken));
    public Task<IReadOnlyList<string>> DeleteByUserAsync(string userId, CancellationToken cancellationToken) => Run(() => inner.DeleteByUserAsync(userId, cancellationToken));
    public Task<IReadOnlyList<StoredSession>> ListByUserAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken) => Run(() => inner.ListByUserAsync(userId, now, cancellationToken));
    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) => Run(() => inner.DeleteExpiredAsync(now, cancellationToken));
    public Task<IReadOnlyList<StoredSigningKey>> GetSigningKeysAsync(CancellationToken cancellationToken) => Run(() => inner.GetSigningKeysAsync(cancellationToken));
    public Task<bool> TryAddSigningKeyAsync(StoredSigningKey key, CancellationToken cancellationToken) => Run(() => inner.TryAddSigningKeyAsync(key, cancellationToken));
    public Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken) => Run(() => inner.GetOrCreateSecretAsync(name, create, cancellationToken));
    public Task<bool> TryProtectSigningKeyAsync(string keyId, byte[] protectedMaterial, CancellationToken cancellationToken) => Run(() => inner.TryProtectSigningKeyAsync(keyId, protectedMaterial, cancellationToken));
    public Task<bool> DeleteSigningKeyAsync(string keyId, CancellationToken cancellationToken) => Run(() => inner.DeleteSigningKeyAsync(keyId, cancellationToken));
}

public sealed class StoreUnavailableTests
{
    private static async Task<(SesameTestServer, SwitchableOutageStore)> StartAsync()
    {
        SwitchableOutageStore? store = null;
        var path = SesameTestServer.NewDatabasePath();
        var server = await SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            DatabasePath = path,
            ConfigureServices = services => services.AddSingleton<ISessionStore>(_ =>
                store = new SwitchableOutageStore(new SqliteSessionStore(path, NullLogger<SqliteSessionStore>.Instance))),
        });
        return (server, store!);
    }

    [Fact]
    public async Task Refresh_during_a_simulated_store_outage_answers_503_and_leaves_tokens_untouched()
    {
        var (server, store) = await StartAsync();
        await using var _ = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var refreshToken = client.RefreshToken;

        store.Down = true;
        var response = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(response.Header("front-token"));
        Assert.Null(response.Header("st-refresh-token"));
        Assert.Empty(response.SetCookies());

        store.Down = false;
        Assert.Equal(refreshToken, client.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
    }

    [Fact]
    public async Task Sign_out_during_a_simulated_store_outage_answers_503_and_keeps_the_session()
    {
        var (server, store) = await StartAsync();
        await using var _ = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");

        store.Down = true;
        var response = await client.SendAsync(HttpMethod.Post, "/auth/signout");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(response.Header("front-token"));

        store.Down = false;
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Verification_without_promotion_needs_no_store_even_during_an_outage()
    {
        var (server, store) = await StartAsync();
        await using var _ = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");

        store.Down = true;
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task First_use_of_a_refreshed_token_during_a_simulated_outage_answers_503_not_401()
    {
        var (server, store) = await StartAsync();
        await using var _ = server;
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        await client.RefreshAsync();

        store.Down = true;
        var response = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(response.Header("front-token"));
    }
}
