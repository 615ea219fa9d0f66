using Microsoft.Extensions.Logging.Abstractions;
using Sesame.AspNetCore.Storage;

namespace Sesame.Storage.Tests;

/// <summary>The store contract on real SQLite files in a temporary folder.</summary>
public sealed class SqliteSessionStoreContractTests : SessionStoreContractTests
{
    private string _folder = "";

    private string DatabasePath => Path.Combine(_folder, "sessions", "sesame.db");

    protected override ValueTask CreateDatabaseAsync()
    {
        // A new folder (and so a new file path) per database: pooled connections are keyed by path.
        _folder = Directory.CreateTempSubdirectory("sesame-store-").FullName;
        return ValueTask.CompletedTask;
    }

    protected override ValueTask DropDatabaseAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        return ValueTask.CompletedTask;
    }

    protected override ISessionStore OpenStore() => new SqliteSessionStore(DatabasePath, NullLogger<SqliteSessionStore>.Instance);

    // A directory where the file should be: SQLite cannot open it (SQLITE_CANTOPEN), a real fault on demand.
    protected override ISessionStore OpenUnreachableStore()
    {
        var path = Path.Combine(_folder, "a-directory.db");
        Directory.CreateDirectory(path);
        return new SqliteSessionStore(path, NullLogger<SqliteSessionStore>.Instance);
    }

    [Fact]
    public async Task First_start_creates_the_file_and_its_folder_in_WAL_mode_with_a_schema_version()
    {
        Assert.True(File.Exists(DatabasePath));
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        command.CommandText = "PRAGMA user_version;";
        Assert.Equal(3L, (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_version_is_refused_with_a_clear_error()
    {
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        using var store = new SqliteSessionStore(DatabasePath, NullLogger<SqliteSessionStore>.Instance);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(TestContext.Current.CancellationToken));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }
    // The store's query shapes at 10^6 rows must be index searches, never a scan of the sessions table.
    [Theory]
    [InlineData("SELECT * FROM sesame_sessions WHERE session_handle = 'h';")]
    [InlineData("UPDATE sesame_sessions SET refresh_token_hash2 = 'n', expires_at = 1 WHERE session_handle = 'h' AND refresh_token_hash2 = 'e';")]
    [InlineData("DELETE FROM sesame_sessions WHERE user_id = 'u';")]
    [InlineData("SELECT * FROM sesame_sessions WHERE user_id = 'u' AND expires_at > 1 ORDER BY created_at, session_handle;")]
    [InlineData("DELETE FROM sesame_sessions WHERE rowid IN (SELECT rowid FROM sesame_sessions WHERE expires_at <= 1 LIMIT 500);")]
    public async Task Session_queries_are_index_searches(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            plan.Add(reader.GetString(3));
        }

        Assert.Contains(plan, step => step.StartsWith("SEARCH sesame_sessions USING", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN sesame_sessions", StringComparison.Ordinal));
    }
    [Fact]
    public async Task A_write_lock_held_past_the_busy_timeout_throws_SessionStoreUnavailableException()
    {
        // Another process's long write transaction (a real lock on the real file) outlasts the store's 5 s busy timeout.
        await using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await other.OpenAsync(TestContext.Current.CancellationToken);
        await using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE;";
            await begin.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<SessionStoreUnavailableException>(() =>
            Store.TryRotateAsync("handle", "a", "b", DateTimeOffset.UnixEpoch, new SessionRotationRecord(DateTimeOffset.UnixEpoch, null, null), TestContext.Current.CancellationToken));
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(30));
    }
}
