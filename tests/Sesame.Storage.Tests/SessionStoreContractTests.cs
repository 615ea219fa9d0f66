using System.Collections.Concurrent;
using System.Security.Cryptography;
using Sesame.AspNetCore.Storage;

namespace Sesame.Storage.Tests;

/// <summary>
/// The <see cref="ISessionStore"/> contract, written once and run unchanged against every store: each subclass only
/// says how to make a fresh, empty database for one test and how to open a store over it.
/// </summary>
public abstract class SessionStoreContractTests : IAsyncLifetime
{
    // Millisecond precision: SQLite keeps milliseconds, PostgreSQL microseconds; the contract promises milliseconds.
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
    private readonly List<ISessionStore> _opened = [];

    /// <summary>The store opened (and initialised) for the current test.</summary>
    protected ISessionStore Store { get; private set; } = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Makes a fresh, empty database for this test.</summary>
    protected abstract ValueTask CreateDatabaseAsync();

    /// <summary>Removes this test's database.</summary>
    protected abstract ValueTask DropDatabaseAsync();

    /// <summary>Opens a new store instance (not initialised) over this test's database.</summary>
    protected abstract ISessionStore OpenStore();

    /// <summary>Opens a store whose database cannot be reached.</summary>
    protected abstract ISessionStore OpenUnreachableStore();

    public async ValueTask InitializeAsync()
    {
        await CreateDatabaseAsync();
        Store = Open();
        await Store.InitializeAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await DisposeStoreAsync(store);
        }

        await DropDatabaseAsync();
        GC.SuppressFinalize(this);
    }

    private ISessionStore Open()
    {
        var store = OpenStore();
        _opened.Add(store);
        return store;
    }

    private static async ValueTask DisposeStoreAsync(ISessionStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
            case IDisposable disposable: disposable.Dispose(); break;
        }
    }

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N");

    private static string Hash2() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

    private static StoredSession NewSession(string? userId = null, DateTimeOffset? expiresAt = null, string? payload = null) => new(
        NewId("handle"),
        userId ?? NewId("user"),
        Hash2(),
        payload ?? """{"role":"admin","n":1}""",
        """{"server":"only"}""",
        Now.AddMinutes(-5),
        expiresAt ?? Now.AddDays(100));

    [Fact]
    public async Task Create_then_Find_returns_every_field_unchanged()
    {
        var session = NewSession(payload: "{ \"name\" : \"Zoë 😀\",\n \"nested\": {\"a\": [1, 2.50, null]} }");

        await Store.CreateAsync(session, Ct);

        Assert.Equal(session, await Store.FindAsync(session.SessionHandle, Ct));
    }

    [Fact]
    public async Task Find_of_an_unknown_handle_returns_null()
    {
        Assert.Null(await Store.FindAsync(NewId("missing"), Ct));
    }

    [Fact]
    public async Task TryRotate_with_the_current_hash_sets_the_new_hash_expiry_and_rotation_record()
    {
        var session = NewSession() with { UserAgent = "first", IpAddress = "192.0.2.1" };
        await Store.CreateAsync(session, Ct);
        var newHash = Hash2();
        var newExpiry = Now.AddDays(200);

        Assert.True(await Store.TryRotateAsync(session.SessionHandle, session.RefreshTokenHash2, newHash, newExpiry,
            new SessionRotationRecord(Now, "second Zoë", "2001:db8::2"), Ct));

        Assert.Equal(session with { RefreshTokenHash2 = newHash, ExpiresAt = newExpiry, LastRefreshedAt = Now, UserAgent = "second Zoë", IpAddress = "2001:db8::2" },
            await Store.FindAsync(session.SessionHandle, Ct));

        // A record without client details (RecordClientInfo off) clears them.
        var newerHash = Hash2();
        Assert.True(await Store.TryRotateAsync(session.SessionHandle, newHash, newerHash, newExpiry, new SessionRotationRecord(Now.AddMinutes(1), null, null), Ct));
        Assert.Equal(session with { RefreshTokenHash2 = newerHash, ExpiresAt = newExpiry, LastRefreshedAt = Now.AddMinutes(1), UserAgent = null, IpAddress = null },
            await Store.FindAsync(session.SessionHandle, Ct));
    }

    [Fact]
    public async Task TryRotate_with_a_stale_hash_changes_nothing()
    {
        var session = NewSession();
        await Store.CreateAsync(session, Ct);

        Assert.False(await Store.TryRotateAsync(session.SessionHandle, Hash2(), Hash2(), Now.AddDays(300), new SessionRotationRecord(Now, "x", "192.0.2.9"), Ct));

        Assert.Equal(session, await Store.FindAsync(session.SessionHandle, Ct));
    }

    [Fact]
    public async Task TryRotate_of_an_unknown_session_returns_false()
    {
        Assert.False(await Store.TryRotateAsync(NewId("missing"), Hash2(), Hash2(), Now, new SessionRotationRecord(Now, null, null), Ct));
        Assert.Null(await Store.FindAsync(NewId("missing"), Ct));
    }

    [Fact]
    public async Task Concurrent_rotations_expecting_the_same_hash_exactly_one_wins()
    {
        var session = NewSession();
        await Store.CreateAsync(session, Ct);
        // Two store instances, as two server processes would have, racing 16 rotations of the same token.
        var stores = new[] { Store, Open() };
        await stores[1].InitializeAsync(Ct);
        var candidates = Enumerable.Range(0, 16).Select(_ => Hash2()).ToArray();
        using var start = new ManualResetEventSlim();

        var attempts = candidates.Select((hash, i) => Task.Run(async () =>
        {
            start.Wait(Ct);
            return (hash, won: await stores[i % 2].TryRotateAsync(session.SessionHandle, session.RefreshTokenHash2, hash, Now.AddDays(1),
                new SessionRotationRecord(Now, null, null), Ct));
        }, Ct)).ToArray();
        start.Set();
        var results = await Task.WhenAll(attempts);

        var winners = results.Where(r => r.won).ToArray();
        Assert.Single(winners);
        Assert.Equal(winners[0].hash, (await Store.FindAsync(session.SessionHandle, Ct))!.RefreshTokenHash2);
    }

    [Fact]
    public async Task Create_then_Find_returns_the_client_metadata_unchanged()
    {
        var session = NewSession() with { LastRefreshedAt = Now.AddMinutes(-1), UserAgent = "Mozilla/5.0 (X11; Linux) Zoë", IpAddress = "2001:db8::1" };

        await Store.CreateAsync(session, Ct);

        Assert.Equal(session, await Store.FindAsync(session.SessionHandle, Ct));
    }

    [Fact]
    public async Task TryUpdateSessionData_replaces_the_data_only_while_it_is_as_expected()
    {
        var session = NewSession();
        await Store.CreateAsync(session, Ct);
        const string data = """{"server":"only","cart":[1,2]}""";

        Assert.False(await Store.TryUpdateSessionDataAsync(session.SessionHandle, "{}", data, Ct));
        Assert.True(await Store.TryUpdateSessionDataAsync(session.SessionHandle, session.SessionDataJson, data, Ct));
        Assert.False(await Store.TryUpdateSessionDataAsync(session.SessionHandle, session.SessionDataJson, "{}", Ct));
        Assert.False(await Store.TryUpdateSessionDataAsync(NewId("missing"), "{}", "{}", Ct));

        Assert.Equal(session with { SessionDataJson = data }, await Store.FindAsync(session.SessionHandle, Ct));
    }

    [Fact]
    public async Task UpdatePayload_replaces_only_the_payload()
    {
        var session = NewSession();
        await Store.CreateAsync(session, Ct);
        const string payload = """{"role":"user","list":[3,2,1]}""";

        Assert.True(await Store.UpdatePayloadAsync(session.SessionHandle, payload, Ct));

        Assert.Equal(session with { AccessTokenPayloadJson = payload }, await Store.FindAsync(session.SessionHandle, Ct));
    }

    [Fact]
    public async Task UpdatePayload_of_an_unknown_session_returns_false()
    {
        Assert.False(await Store.UpdatePayloadAsync(NewId("missing"), "{}", Ct));
    }

    [Fact]
    public async Task Delete_removes_the_session_once()
    {
        var session = NewSession();
        var other = NewSession(session.UserId);
        await Store.CreateAsync(session, Ct);
        await Store.CreateAsync(other, Ct);

        Assert.True(await Store.DeleteAsync(session.SessionHandle, Ct));
        Assert.False(await Store.DeleteAsync(session.SessionHandle, Ct));

        Assert.Null(await Store.FindAsync(session.SessionHandle, Ct));
        Assert.Equal(other, await Store.FindAsync(other.SessionHandle, Ct));
    }

    [Fact]
    public async Task DeleteByUser_removes_every_session_of_that_user_only_and_returns_their_handles()
    {
        var user = NewId("user");
        var mine = new[] { NewSession(user), NewSession(user), NewSession(user, expiresAt: Now.AddDays(-1)) };
        var someoneElses = NewSession();
        foreach (var s in mine.Append(someoneElses))
        {
            await Store.CreateAsync(s, Ct);
        }

        var deleted = await Store.DeleteByUserAsync(user, Ct);

        Assert.Equal(mine.Select(s => s.SessionHandle).Order(), deleted.Order());
        foreach (var s in mine)
        {
            Assert.Null(await Store.FindAsync(s.SessionHandle, Ct));
        }

        Assert.Equal(someoneElses, await Store.FindAsync(someoneElses.SessionHandle, Ct));
        Assert.Empty(await Store.DeleteByUserAsync(user, Ct));
    }

    [Fact]
    public async Task ListByUser_returns_the_users_unexpired_sessions_only()
    {
        var user = NewId("user");
        var live1 = NewSession(user, expiresAt: Now.AddMilliseconds(1));
        var live2 = NewSession(user, expiresAt: Now.AddDays(3));
        var expiresNow = NewSession(user, expiresAt: Now);
        var expired = NewSession(user, expiresAt: Now.AddDays(-3));
        var otherUser = NewSession();
        foreach (var s in new[] { live1, live2, expiresNow, expired, otherUser })
        {
            await Store.CreateAsync(s, Ct);
        }

        var listed = await Store.ListByUserAsync(user, Now, Ct);

        Assert.Equal(new[] { live1, live2 }.OrderBy(s => s.SessionHandle), listed.OrderBy(s => s.SessionHandle));
        Assert.Empty(await Store.ListByUserAsync(NewId("nobody"), Now, Ct));
    }

    [Fact]
    public async Task DeleteExpired_deletes_sessions_expiring_at_or_before_now_and_keeps_the_rest()
    {
        var expired = NewSession(expiresAt: Now.AddSeconds(-1));
        var expiresNow = NewSession(expiresAt: Now);
        var live = NewSession(expiresAt: Now.AddMilliseconds(1));
        foreach (var s in new[] { expired, expiresNow, live })
        {
            await Store.CreateAsync(s, Ct);
        }

        Assert.Equal(2, await Store.DeleteExpiredAsync(Now, Ct));

        Assert.Null(await Store.FindAsync(expired.SessionHandle, Ct));
        Assert.Null(await Store.FindAsync(expiresNow.SessionHandle, Ct));
        Assert.Equal(live, await Store.FindAsync(live.SessionHandle, Ct));
        Assert.Equal(0, await Store.DeleteExpiredAsync(Now, Ct));
    }

    [Fact]
    public async Task DeleteExpired_removes_many_expired_sessions_in_one_call()
    {
        // More rows than a store may delete per batch, so batching must loop until none are left.
        var expired = Enumerable.Range(0, 1234).Select(i => NewSession(expiresAt: Now.AddMinutes(-i))).ToArray();
        var live = NewSession(expiresAt: Now.AddMinutes(1));
        foreach (var s in expired.Append(live))
        {
            await Store.CreateAsync(s, Ct);
        }

        Assert.Equal(expired.Length, await Store.DeleteExpiredAsync(Now, Ct));

        Assert.Equal(live, await Store.FindAsync(live.SessionHandle, Ct));
        Assert.Null(await Store.FindAsync(expired[^1].SessionHandle, Ct));
    }

    [Fact]
    public async Task SigningKeys_are_added_once_per_key_id_and_listed_newest_first()
    {
        Assert.Empty(await Store.GetSigningKeysAsync(Ct));
        var oldest = new StoredSigningKey("d-1", "RS256", RandomNumberGenerator.GetBytes(1200), Now.AddDays(-14));
        var newest = new StoredSigningKey("d-3", "RS256", RandomNumberGenerator.GetBytes(1200), Now);
        var middle = new StoredSigningKey("d-2", "RS256", RandomNumberGenerator.GetBytes(1200), Now.AddDays(-7));

        Assert.True(await Store.TryAddSigningKeyAsync(oldest, Ct));
        Assert.True(await Store.TryAddSigningKeyAsync(newest, Ct));
        Assert.True(await Store.TryAddSigningKeyAsync(middle, Ct));
        var duplicate = new StoredSigningKey("d-2", "RS256", RandomNumberGenerator.GetBytes(1200), Now.AddDays(1));
        Assert.False(await Store.TryAddSigningKeyAsync(duplicate, Ct));

        var keys = await Store.GetSigningKeysAsync(Ct);
        Assert.Equal(["d-3", "d-2", "d-1"], keys.Select(k => k.KeyId));
        AssertSameKey(newest, keys[0]);
        AssertSameKey(middle, keys[1]);
        AssertSameKey(oldest, keys[2]);
    }

    [Fact]
    public async Task TryAddSigningKey_racing_on_several_instances_with_one_key_id_adds_exactly_one()
    {
        // Instances that rotate at the same moment may mint the same kid with different key material.
        var stores = new[] { Store, Open(), Open() };
        foreach (var s in stores.Skip(1))
        {
            await s.InitializeAsync(Ct);
        }

        var candidates = Enumerable.Range(0, 9)
            .Select(_ => new StoredSigningKey("d-same", "RS256", RandomNumberGenerator.GetBytes(1200), Now)).ToArray();
        using var start = new ManualResetEventSlim();
        var adds = candidates.Select((key, i) => Task.Run(async () =>
        {
            start.Wait(Ct);
            return await stores[i % stores.Length].TryAddSigningKeyAsync(key, Ct);
        }, Ct)).ToArray();
        start.Set();
        var results = await Task.WhenAll(adds);

        Assert.Single(results, added => added);
        var stored = Assert.Single(await Store.GetSigningKeysAsync(Ct));
        AssertSameKey(candidates[Array.IndexOf(results, true)], stored);
    }

    [Fact]
    public async Task TryProtectSigningKey_replaces_plain_material_once_and_Delete_removes_the_key()
    {
        var plain = new StoredSigningKey("d-plain", "RS256", RandomNumberGenerator.GetBytes(1200), Now);
        var born = new StoredSigningKey("r-born", "HS256", RandomNumberGenerator.GetBytes(90), Now) { IsProtected = true };
        Assert.True(await Store.TryAddSigningKeyAsync(plain, Ct));
        Assert.True(await Store.TryAddSigningKeyAsync(born, Ct));
        var keys = await Store.GetSigningKeysAsync(Ct);
        Assert.False(keys.Single(k => k.KeyId == "d-plain").IsProtected);
        Assert.True(keys.Single(k => k.KeyId == "r-born").IsProtected);

        var protectedBytes = RandomNumberGenerator.GetBytes(1300);
        Assert.True(await Store.TryProtectSigningKeyAsync("d-plain", protectedBytes, Ct));
        Assert.False(await Store.TryProtectSigningKeyAsync("d-plain", RandomNumberGenerator.GetBytes(1300), Ct)); // already protected
        Assert.False(await Store.TryProtectSigningKeyAsync("r-born", RandomNumberGenerator.GetBytes(90), Ct));
        Assert.False(await Store.TryProtectSigningKeyAsync("d-missing", protectedBytes, Ct));
        var migrated = (await Store.GetSigningKeysAsync(Ct)).Single(k => k.KeyId == "d-plain");
        Assert.True(migrated.IsProtected);
        Assert.Equal(protectedBytes, migrated.PrivateKeyPkcs8);
        Assert.Equal(born.PrivateKeyPkcs8, (await Store.GetSigningKeysAsync(Ct)).Single(k => k.KeyId == "r-born").PrivateKeyPkcs8);

        Assert.True(await Store.DeleteSigningKeyAsync("d-plain", Ct));
        Assert.False(await Store.DeleteSigningKeyAsync("d-plain", Ct));
        Assert.Equal(["r-born"], (await Store.GetSigningKeysAsync(Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task TryProtectSigningKey_racing_on_several_instances_protects_exactly_once()
    {
        var stores = new[] { Store, Open(), Open() };
        foreach (var s in stores.Skip(1))
        {
            await s.InitializeAsync(Ct);
        }

        await Store.TryAddSigningKeyAsync(new StoredSigningKey("d-plain", "RS256", RandomNumberGenerator.GetBytes(1200), Now), Ct);
        var candidates = Enumerable.Range(0, 9).Select(_ => RandomNumberGenerator.GetBytes(1300)).ToArray();
        using var start = new ManualResetEventSlim();
        var attempts = candidates.Select((bytes, i) => Task.Run(async () =>
        {
            start.Wait(Ct);
            return await stores[i % stores.Length].TryProtectSigningKeyAsync("d-plain", bytes, Ct);
        }, Ct)).ToArray();
        start.Set();
        var results = await Task.WhenAll(attempts);

        Assert.Single(results, won => won);
        Assert.Equal(candidates[Array.IndexOf(results, true)], Assert.Single(await Store.GetSigningKeysAsync(Ct)).PrivateKeyPkcs8);
    }

    private static void AssertSameKey(StoredSigningKey expected, StoredSigningKey actual)
    {
        Assert.Equal(expected.KeyId, actual.KeyId);
        Assert.Equal(expected.Algorithm, actual.Algorithm);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.PrivateKeyPkcs8, actual.PrivateKeyPkcs8);
    }

    [Fact]
    public async Task GetOrCreateSecret_called_concurrently_from_several_instances_returns_one_value()
    {
        var stores = new[] { Store, Open(), Open() };
        foreach (var s in stores.Skip(1))
        {
            await s.InitializeAsync(Ct);
        }

        var made = new ConcurrentBag<byte[]>();
        using var start = new ManualResetEventSlim();
        var calls = Enumerable.Range(0, 24).Select(i => Task.Run(() =>
        {
            start.Wait(Ct);
            return stores[i % stores.Length].GetOrCreateSecretAsync("refresh_token_key", () =>
            {
                var value = RandomNumberGenerator.GetBytes(32);
                made.Add(value);
                return value;
            }, Ct);
        }, Ct)).ToArray();
        start.Set();
        var values = await Task.WhenAll(calls);

        Assert.All(values, v => Assert.Equal(values[0], v));
        Assert.Contains(made, m => m.AsSpan().SequenceEqual(values[0]));
        var later = await Open().GetOrCreateSecretAsync("refresh_token_key", () => throw new InvalidOperationException("must not be called"), Ct);
        Assert.Equal(values[0], later);
        var other = await Store.GetOrCreateSecretAsync("another_secret", () => [1, 2, 3], Ct);
        Assert.Equal([1, 2, 3], other);
    }

    [Fact]
    public async Task Initialize_again_is_idempotent_and_keeps_the_data()
    {
        var session = NewSession();
        await Store.CreateAsync(session, Ct);

        await Store.InitializeAsync(Ct);
        await Store.InitializeAsync(Ct);

        Assert.Equal(session, await Store.FindAsync(session.SessionHandle, Ct));
    }

    [Fact]
    public async Task Initialize_from_several_instances_at_once_succeeds_on_a_fresh_database()
    {
        // Start from a database no instance has initialised yet.
        await DropDatabaseAsync();
        await CreateDatabaseAsync();
        var stores = Enumerable.Range(0, 6).Select(_ => Open()).ToArray();
        using var start = new ManualResetEventSlim();

        var inits = stores.Select(s => Task.Run(async () =>
        {
            start.Wait(Ct);
            await s.InitializeAsync(Ct);
        }, Ct)).ToArray();
        start.Set();
        await Task.WhenAll(inits);

        var session = NewSession();
        await stores[0].CreateAsync(session, Ct);
        foreach (var s in stores)
        {
            Assert.Equal(session, await s.FindAsync(session.SessionHandle, Ct));
        }
    }

    [Fact]
    public async Task Data_survives_closing_and_reopening_the_store()
    {
        var session = NewSession();
        await Store.CreateAsync(session, Ct);
        var key = new StoredSigningKey("d-7", "RS256", RandomNumberGenerator.GetBytes(1200), Now);
        await Store.TryAddSigningKeyAsync(key, Ct);
        var secret = await Store.GetOrCreateSecretAsync("refresh_token_key", () => RandomNumberGenerator.GetBytes(32), Ct);
        _opened.Remove(Store);
        await DisposeStoreAsync(Store);

        var reopened = Open();
        await reopened.InitializeAsync(Ct);

        Assert.Equal(session, await reopened.FindAsync(session.SessionHandle, Ct));
        AssertSameKey(key, Assert.Single(await reopened.GetSigningKeysAsync(Ct)));
        Assert.Equal(secret, await reopened.GetOrCreateSecretAsync("refresh_token_key", () => throw new InvalidOperationException("must not be called"), Ct));
    }

    [Fact]
    public async Task An_unreachable_database_throws_SessionStoreUnavailableException()
    {
        var store = OpenUnreachableStore();
        _opened.Add(store);

        await Assert.ThrowsAsync<SessionStoreUnavailableException>(() => store.InitializeAsync(Ct));
        await Assert.ThrowsAsync<SessionStoreUnavailableException>(() => store.FindAsync("x", Ct));
        await Assert.ThrowsAsync<SessionStoreUnavailableException>(() => store.TryRotateAsync("x", "a", "b", Now, new SessionRotationRecord(Now, null, null), Ct));
    }
}
