using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Sesame.AspNetCore.Identity.Tests;

using TokenTransferMethod = Sesame.Client.TokenTransferMethod;

/// <summary>
/// The same rules with Identity on PostgreSQL (Npgsql's EF Core provider) and the sessions in PostgreSQL (<c>UsePostgreSql</c>), two
/// instances over one database: the private instance of <c>build/services/postgres.sh</c>, found through <c>SESAME_TEST_POSTGRES</c>.
/// Each test has its own schema.
/// </summary>
public sealed class PostgreSqlIdentityTests : IAsyncLifetime
{
    private const string Password = "Passw0rd!";
    private const string NewPassword = "N3w-Passw0rd!";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _schema = "identity_" + Guid.NewGuid().ToString("N")[..16];
    private readonly List<IAsyncDisposable> _owned = [];
    private NpgsqlDataSource _admin = null!;
    private IdentityTestStorage _storage = null!;

    public async ValueTask InitializeAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("SESAME_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Assert.Fail("SESAME_TEST_POSTGRES is not set, so the PostgreSQL tests have no database. Start the private test instance with "
                + "`bash build/services/postgres.sh start` (from the repository root) and export the SESAME_TEST_POSTGRES=... line it prints, "
                + "or run the whole suite with `bash build/test.sh`.");
        }

        _admin = NpgsqlDataSource.Create(connectionString);
        await using (var create = _admin.CreateCommand($"CREATE SCHEMA \"{_schema}\";"))
        {
            await create.ExecuteNonQueryAsync();
        }

        _storage = IdentityTestStorage.PostgreSql(new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = _schema }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        if (_admin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using (var drop = _admin.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE;"))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await _admin.DisposeAsync();
        }
    }

    [Fact]
    public async Task PostgreSQL_password_change_on_one_instance_ends_the_other_instances_session_then_login_again()
    {
        var first = Own(await IdentityTestHost.StartAsync(_storage, _time));
        var second = Own(await IdentityTestHost.StartAsync(_storage, _time, createTables: false));
        using (var anonymous = new HttpClient { BaseAddress = first.BaseAddress })
        using (var register = await anonymous.PostAsJsonAsync("/register", new { email = "alice@example.com", password = Password }))
        {
            Assert.Equal(200, (int)register.StatusCode);
        }

        var laptop = Own(new Device(first, _time));
        var phone = Own(new Device(second, _time, TokenTransferMethod.Cookie));
        Assert.Equal(200, (await laptop.LoginAsync("alice@example.com", Password)).Status);
        Assert.Equal(200, (await phone.LoginAsync("alice@example.com", Password)).Status);
        Assert.Equal(200, (await phone.GetAsync("/api/me")).Status);

        var (status, _) = await laptop.PostJsonAsync("/manage/info", new { oldPassword = Password, newPassword = NewPassword });
        Assert.Equal(200, status);

        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await laptop.GetAsync("/api/me")).Status);
        Assert.Equal(401, (await phone.GetAsync("/api/me")).Status);
        Assert.Equal(200, (await phone.LoginAsync("alice@example.com", NewPassword)).Status);
        Assert.Equal(200, (await phone.GetAsync("/api/me")).Status);
    }

    [Fact]
    public async Task PostgreSQL_stamp_change_by_app_code_and_lockout_refuse_refreshes()
    {
        var host = Own(await IdentityTestHost.StartAsync(_storage, _time));
        using (var anonymous = new HttpClient { BaseAddress = host.BaseAddress })
        {
            foreach (var email in new[] { "alice@example.com", "bob@example.com" })
            {
                using var register = await anonymous.PostAsJsonAsync("/register", new { email, password = Password });
                Assert.Equal(200, (int)register.StatusCode);
            }
        }

        var alice = Own(new Device(host, _time));
        var bob = Own(new Device(host, _time));
        Assert.Equal(200, (await alice.LoginAsync("alice@example.com", Password)).Status);
        Assert.Equal(200, (await bob.LoginAsync("bob@example.com", Password)).Status);
        await host.WithUsersAsync(async users => await users.UpdateSecurityStampAsync((await users.FindByEmailAsync("alice@example.com"))!));
        var attacker = Own(new Device(host, _time));
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await attacker.LoginAsync("bob@example.com", "wrong");
        }

        Assert.Equal((400, "LockedOut"), await attacker.LoginAsync("bob@example.com", Password));
        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await alice.GetAsync("/api/me")).Status);
        Assert.Equal(401, (await bob.GetAsync("/api/me")).Status);
        Assert.Empty(await host.Services.GetRequiredService<ISessionService>().ListSessionsAsync(
            await host.WithUsersAsync(async users => (await users.FindByEmailAsync("alice@example.com"))!.Id)));
    }

    [Fact]
    public async Task PostgreSQL_Identity_users_table_locked_by_another_connection_refresh_answers_503_session_kept_then_refreshes_when_released()
    {
        // The app's connections give up on a lock after 0.5 s (lock_timeout applies to lock waits only, never to a slow query), as a
        // database held by a migration or a backup past a timeout looks to the app.
        var storage = IdentityTestStorage.PostgreSql(
            new NpgsqlConnectionStringBuilder(_storage.PostgreSqlConnectionString) { Options = "-c lock_timeout=500" }.ConnectionString);
        var host = Own(await IdentityTestHost.StartAsync(storage, _time));
        using (var anonymous = new HttpClient { BaseAddress = host.BaseAddress })
        using (var register = await anonymous.PostAsJsonAsync("/register", new { email = "alice@example.com", password = Password }))
        {
            Assert.Equal(200, (int)register.StatusCode);
        }

        var device = Own(new Device(host, _time));
        Assert.Equal(200, (await device.LoginAsync("alice@example.com", Password)).Status);
        var userId = await host.WithUsersAsync(async users => (await users.FindByEmailAsync("alice@example.com"))!.Id);

        // Another connection holds Identity's users table: the refresh's user lookup cannot read it. The session tables are free.
        await using var locker = await _admin.OpenConnectionAsync();
        await using (var use = new NpgsqlCommand($"SET search_path TO \"{_schema}\"", locker))
        {
            await use.ExecuteNonQueryAsync();
        }

        var transaction = await locker.BeginTransactionAsync();
        await using (var lockUsers = new NpgsqlCommand("LOCK TABLE \"AspNetUsers\" IN ACCESS EXCLUSIVE MODE", locker, transaction))
        {
            await lockUsers.ExecuteNonQueryAsync();
        }

        _time.Advance(IdentityTestHost.AccessTokenLifetime + TimeSpan.FromSeconds(1));
        var (status, _) = await device.GetAsync("/api/me");
        Assert.Equal(503, status);
        Assert.Single(await host.Services.GetRequiredService<ISessionService>().ListSessionsAsync(userId));

        // Released: the same session (the client kept its tokens, there is no new login) refreshes and the call goes through.
        await transaction.RollbackAsync();
        Assert.Equal((200, userId), await device.GetAsync("/api/me"));
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}
