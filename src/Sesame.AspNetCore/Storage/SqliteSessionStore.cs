using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Sesame.AspNetCore.Storage;

/// <summary>
/// The embedded default <see cref="ISessionStore"/>: one SQLite file (created on first start, write-ahead logging,
/// versioned schema). Suits one server process; several processes on one machine may share the file, but servers on
/// several machines need a networked store such as PostgreSQL.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite runs statements synchronously underneath its async methods, so commands and readers are disposed
/// synchronously. Every call takes a pooled connection, runs one statement (or one short transaction) and returns it, so the store is
/// safe to use from many threads. SQLite's busy and I/O errors surface as <see cref="SessionStoreUnavailableException"/>.
/// </remarks>
public sealed class SqliteSessionStore : ISessionStore, IDisposable
{
    // How long a statement waits for another writer before SQLite reports SQLITE_BUSY. Writes are single short
    // statements, so waiting longer than this means something is wrong and the caller should answer 503.
    private const int BusyTimeoutMilliseconds = 5000;

    // Rows per write transaction when deleting expired sessions.
    private const int ExpiredDeleteBatchSize = 500;

    // "@p0, @p1, …": SessionRows.Bind names the parameters in column order.
    private static readonly string s_insertPlaceholders =
        string.Join(", ", Enumerable.Range(0, SessionRows.ColumnCount).Select(static i => "@p" + i.ToString(CultureInfo.InvariantCulture)));

    private readonly string _databasePath;
    private readonly string _connectionString;
    private readonly ILogger<SqliteSessionStore> _logger;
    private int _disposed;

    // SQLite has one writer per file, and a writer that finds the file busy sleeps in SQLite's busy handler (back-off steps up
    // to 100 ms) while holding a thread-pool thread. Queueing this process's writes here first keeps them off that path (under
    // concurrent refreshes the busy handler inflated latency and let writes reach the busy timeout: docs/benchmarks.md). Other
    // processes sharing the file still meet the busy handler, as before.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>Creates a store over the SQLite file at <paramref name="databasePath"/>.</summary>
    /// <param name="databasePath">The database file; it and its folder are created on first start.</param>
    /// <param name="logger">Where the store reports schema changes and outages.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public SqliteSessionStore(string databasePath, ILogger<SqliteSessionStore> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(logger);
        _databasePath = Path.GetFullPath(databasePath);
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Microsoft.Data.Sqlite retries busy statements until this many seconds have passed since the statement
            // started. Equal to SQLite's own busy timeout, it does not start a second wait after SQLite's ends, so a
            // held lock surfaces as "unavailable" after about 5 s instead of the default 30.
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath => _databasePath;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            SqliteFileAccess.Prepare(_databasePath, _logger);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SessionStoreUnavailableException(
                $"Cannot create the SQLite session database '{_databasePath}' or its folder.", ex);
        }

        var (from, to) = await RunAsync(nameof(InitializeAsync), this, static async (store, connection, ct) =>
        {
            // WAL lets readers run beside the one writer; the mode is stored in the file, so this is a no-op later.
            using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode=WAL;";
                await wal.ExecuteScalarAsync(ct).ConfigureAwait(false);
            }

            // Migrations move and delete key material: zero what they free instead of leaving it in the file's free pages.
            await using var secureDelete = (await SecureDelete.EnableAsync(connection, ct).ConfigureAwait(false)).ConfigureAwait(false);

            // An IMMEDIATE transaction takes the write lock before reading the version, so concurrent initializers
            // (other processes or other store instances) run one after another and each sees the other's result.
            using var transaction = (SqliteTransaction)await connection
                .BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct).ConfigureAwait(false);
            var version = await SchemaMigrator.MigrateAsync((connection, transaction), SqliteSchema.Migrations,
                static async (state, token) =>
                {
                    using var read = state.connection.CreateCommand();
                    read.Transaction = state.transaction;
                    read.CommandText = "PRAGMA user_version;";
                    return Convert.ToInt64(await read.ExecuteScalarAsync(token).ConfigureAwait(false), CultureInfo.InvariantCulture);
                },
                static async (state, script, token) =>
                {
                    using var migrate = state.connection.CreateCommand();
                    migrate.Transaction = state.transaction;
                    migrate.CommandText = script;
                    await migrate.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                },
                static async (state, reached, token) =>
                {
                    using var bump = state.connection.CreateCommand();
                    bump.Transaction = state.transaction;
                    // PRAGMA takes no parameters; the value is our own step number, not input. It is written in the same transaction.
                    bump.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {reached};");
                    await bump.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                },
                (found, supported) =>
                {
                    SqliteSessionStoreLog.SchemaTooNew(store._logger, store._databasePath, found, supported);
                    return new InvalidOperationException(
                        $"The SQLite session database '{store._databasePath}' has schema version {found}, but this version of Sesame " +
                        $"understands up to {supported}. Upgrade Sesame or use another database file.");
                }, ct).ConfigureAwait(false);

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return (version, SqliteSchema.CurrentVersion);
        }, cancellationToken).ConfigureAwait(false);

        if (from != to)
        {
            SqliteSessionStoreLog.SchemaMigrated(_logger, _databasePath, from, to);
            await TruncateWalAsync(cancellationToken).ConfigureAwait(false);
        }

        SqliteSessionStoreLog.StoreReady(_logger, _databasePath, to);
    }

    /// <inheritdoc />
    public Task CreateAsync(StoredSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return RunWriteAsync(nameof(CreateAsync), session, static async (s, connection, ct) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO sesame_sessions (" + SessionRows.Columns + ") VALUES (" + s_insertPlaceholders + ");";
            SessionRows.Bind(command, s,
                static (c, value) => c.Parameters.AddWithValue("@p" + c.Parameters.Count, (object?)value ?? DBNull.Value),
                static (c, value) => c.Parameters.AddWithValue("@p" + c.Parameters.Count, (object?)value?.ToUnixTimeMilliseconds() ?? DBNull.Value));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StoredSession?> FindAsync(string sessionHandle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        return RunAsync(nameof(FindAsync), sessionHandle, static async (handle, connection, ct) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT " + SessionRows.Columns + " FROM sesame_sessions WHERE session_handle = @handle;";
            command.Parameters.AddWithValue("@handle", handle);
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadSession(reader) : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryRotateAsync(string sessionHandle, string expectedRefreshTokenHash2, string newRefreshTokenHash2,
        DateTimeOffset newExpiresAt, SessionRotationRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        ArgumentNullException.ThrowIfNull(expectedRefreshTokenHash2);
        ArgumentNullException.ThrowIfNull(newRefreshTokenHash2);
        return RunWriteAsync(nameof(TryRotateAsync),
            (sessionHandle, expectedRefreshTokenHash2, newRefreshTokenHash2, newExpiresAt, record),
            static async (state, connection, ct) =>
            {
                // One conditional UPDATE is the compare-and-set: SQLite serialises writers, so of two rotations
                // expecting the same hash exactly one matches the WHERE clause.
                using var command = connection.CreateCommand();
                command.CommandText =
                    "UPDATE sesame_sessions SET refresh_token_hash2 = @new, expires_at = @expires, " +
                    "last_refreshed_at = @at, user_agent = @agent, ip_address = @ip " +
                    "WHERE session_handle = @handle AND refresh_token_hash2 = @expected;";
                command.Parameters.AddWithValue("@new", state.newRefreshTokenHash2);
                command.Parameters.AddWithValue("@expires", state.newExpiresAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("@at", state.record.RotatedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("@agent", (object?)state.record.UserAgent ?? DBNull.Value);
                command.Parameters.AddWithValue("@ip", (object?)state.record.IpAddress ?? DBNull.Value);
                command.Parameters.AddWithValue("@handle", state.sessionHandle);
                command.Parameters.AddWithValue("@expected", state.expectedRefreshTokenHash2);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> UpdatePayloadAsync(string sessionHandle, string accessTokenPayloadJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        ArgumentNullException.ThrowIfNull(accessTokenPayloadJson);
        return RunWriteAsync(nameof(UpdatePayloadAsync), (sessionHandle, accessTokenPayloadJson), static async (state, connection, ct) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE sesame_sessions SET payload = @payload WHERE session_handle = @handle;";
            command.Parameters.AddWithValue("@payload", state.accessTokenPayloadJson);
            command.Parameters.AddWithValue("@handle", state.sessionHandle);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryUpdateSessionDataAsync(string sessionHandle, string expectedSessionDataJson, string sessionDataJson,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        ArgumentNullException.ThrowIfNull(expectedSessionDataJson);
        ArgumentNullException.ThrowIfNull(sessionDataJson);
        return RunWriteAsync(nameof(TryUpdateSessionDataAsync), (sessionHandle, expectedSessionDataJson, sessionDataJson),
            static async (state, connection, ct) =>
            {
                using var command = connection.CreateCommand();
                command.CommandText =
                    "UPDATE sesame_sessions SET session_data = @data WHERE session_handle = @handle AND session_data = @expected;";
                command.Parameters.AddWithValue("@data", state.sessionDataJson);
                command.Parameters.AddWithValue("@handle", state.sessionHandle);
                command.Parameters.AddWithValue("@expected", state.expectedSessionDataJson);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string sessionHandle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        return RunWriteAsync(nameof(DeleteAsync), sessionHandle, static async (handle, connection, ct) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM sesame_sessions WHERE session_handle = @handle;";
            command.Parameters.AddWithValue("@handle", handle);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> DeleteByUserAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return RunWriteAsync<string, IReadOnlyList<string>>(nameof(DeleteByUserAsync), userId, static async (user, connection, ct) =>
        {
            // RETURNING reports exactly the rows this statement removed, with no window between a SELECT and a DELETE.
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM sesame_sessions WHERE user_id = @user RETURNING session_handle;";
            command.Parameters.AddWithValue("@user", user);
            var handles = new List<string>();
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                handles.Add(reader.GetString(0));
            }

            return handles;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredSession>> ListByUserAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return RunAsync<(string, DateTimeOffset), IReadOnlyList<StoredSession>>(nameof(ListByUserAsync), (userId, now),
            static async (state, connection, ct) =>
            {
                using var command = connection.CreateCommand();
                command.CommandText =
                    "SELECT " + SessionRows.Columns + " FROM sesame_sessions WHERE user_id = @user AND expires_at > @now " +
                    "ORDER BY created_at, session_handle;";
                command.Parameters.AddWithValue("@user", state.Item1);
                command.Parameters.AddWithValue("@now", state.Item2.ToUnixTimeMilliseconds());
                var sessions = new List<StoredSession>();
                using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    sessions.Add(ReadSession(reader));
                }

                return sessions;
            }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deleted = await RunAsync(nameof(DeleteExpiredAsync), now, static async (when, connection, ct) =>
        {
            // SQLite has one writer: deleting every expired row of a large table in one statement would hold the write
            // lock long enough to stall refreshes (about 30 ms per 1,000 rows at 10^6 rows), so delete in short batches.
            using var command = connection.CreateCommand();
            command.CommandText =
                "DELETE FROM sesame_sessions WHERE rowid IN (SELECT rowid FROM sesame_sessions WHERE expires_at <= @now LIMIT @batch);";
            command.Parameters.AddWithValue("@now", when.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@batch", ExpiredDeleteBatchSize);
            var total = 0;
            int batch;
            do
            {
                batch = await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                total += batch;
            }
            while (batch == ExpiredDeleteBatchSize);

            return total;
        }, cancellationToken).ConfigureAwait(false);
        SqliteSessionStoreLog.ExpiredSessionsDeleted(_logger, deleted);
        return deleted;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredSigningKey>> GetSigningKeysAsync(CancellationToken cancellationToken) =>
        RunAsync<bool, IReadOnlyList<StoredSigningKey>>(nameof(GetSigningKeysAsync), true, static async (_, connection, ct) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText =
                "SELECT key_id, algorithm, private_key, created_at, is_protected FROM sesame_signing_keys ORDER BY created_at DESC, key_id DESC;";
            var keys = new List<StoredSigningKey>();
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                keys.Add(new StoredSigningKey(
                    reader.GetString(0),
                    reader.GetString(1),
                    (byte[])reader.GetValue(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
                {
                    IsProtected = reader.GetInt64(4) != 0,
                });
            }

            return keys;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryAddSigningKeyAsync(StoredSigningKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(nameof(TryAddSigningKeyAsync), key, static async (k, connection, ct) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText =
                "INSERT OR IGNORE INTO sesame_signing_keys (key_id, algorithm, private_key, created_at, is_protected) " +
                "VALUES (@kid, @alg, @key, @created, @protected);";
            command.Parameters.AddWithValue("@kid", k.KeyId);
            command.Parameters.AddWithValue("@alg", k.Algorithm);
            command.Parameters.AddWithValue("@key", k.PrivateKeyPkcs8);
            command.Parameters.AddWithValue("@created", k.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("@protected", k.IsProtected ? 1 : 0);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> TryProtectSigningKeyAsync(string keyId, byte[] protectedMaterial, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(protectedMaterial);
        var changed = await RunWriteAsync(nameof(TryProtectSigningKeyAsync), (keyId, protectedMaterial), static async (state, connection, ct) =>
        {
            // The plain bytes are overwritten, not just unlinked: with secure_delete the freed cells and pages are zeroed.
            await using var secureDelete = (await SecureDelete.EnableAsync(connection, ct).ConfigureAwait(false)).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText =
                "UPDATE sesame_signing_keys SET private_key = @key, is_protected = 1 WHERE key_id = @kid AND is_protected = 0;";
            command.Parameters.AddWithValue("@key", state.protectedMaterial);
            command.Parameters.AddWithValue("@kid", state.keyId);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            await TruncateWalAsync(cancellationToken).ConfigureAwait(false);
        }

        return changed;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteSigningKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        var deleted = await RunWriteAsync(nameof(DeleteSigningKeyAsync), keyId, static async (kid, connection, ct) =>
        {
            await using var secureDelete = (await SecureDelete.EnableAsync(connection, ct).ConfigureAwait(false)).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM sesame_signing_keys WHERE key_id = @kid;";
            command.Parameters.AddWithValue("@kid", kid);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            await TruncateWalAsync(cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    /// <summary>
    /// Copies the write-ahead log into the file and truncates it: the log keeps old page images (and, past its write position,
    /// frames of earlier rounds) until it is reset, so key material just overwritten would linger there. Best effort: readers
    /// in other processes can keep it from completing, and the next call (or SQLite's own checkpoint) finishes the job.
    /// </summary>
    private Task<bool> TruncateWalAsync(CancellationToken cancellationToken) =>
        RunAsync(nameof(TruncateWalAsync), true, static async (_, connection, ct) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(create);
        return RunAsync(nameof(GetOrCreateSecretAsync), (name, create), static (state, connection, ct) =>
            SecretRows.GetOrCreateAsync(connection, state.name, state.create, ReadSecretAsync, static async (c, secretName, value, token) =>
            {
                using var insert = c.CreateCommand();
                insert.CommandText = "INSERT OR IGNORE INTO sesame_secrets (name, value) VALUES (@name, @value);";
                insert.Parameters.AddWithValue("@name", secretName);
                insert.Parameters.AddWithValue("@value", value);
                await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }, ct), cancellationToken);
    }

    /// <summary>Closes the pooled connections to the file (so it can be moved or deleted).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private static async Task<byte[]?> ReadSecretAsync(SqliteConnection connection, string name, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM sesame_secrets WHERE name = @name;";
        command.Parameters.AddWithValue("@name", name);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as byte[];
    }

    // Instants are Unix milliseconds (INTEGER) in SQLite.
    private static StoredSession ReadSession(SqliteDataReader reader) =>
        SessionRows.Read(reader, static (r, ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(ordinal)));

    /// <summary><see cref="RunAsync"/> for a write: one at a time per store instance, waiting asynchronously.</summary>
    private async Task<TResult> RunWriteAsync<TState, TResult>(string operation, TState state,
        Func<TState, SqliteConnection, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(operation, state, work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Opens a pooled connection, runs <paramref name="work"/> and maps SQLite's "cannot reach the file" family of
    /// errors to <see cref="SessionStoreUnavailableException"/>. Other errors (constraint violations, bugs) pass through.
    /// </summary>
    private async Task<TResult> RunAsync<TState, TResult>(string operation, TState state,
        Func<TState, SqliteConnection, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var connection = new SqliteConnection(_connectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                // Per connection, not per file: a pooled connection keeps it, but a new one needs it, and it costs
                // one cheap statement. SQLite then waits for the writer itself instead of failing at once.
                using (var pragma = connection.CreateCommand())
                {
                    pragma.CommandText = "PRAGMA busy_timeout = 5000;"; // = BusyTimeoutMilliseconds
                    await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return await work(state, connection, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException ex) when (IsUnavailable(ex))
        {
            SqliteSessionStoreLog.StoreUnavailable(_logger, _databasePath, operation, ex.SqliteErrorCode, ex);
            throw new SessionStoreUnavailableException(
                $"The SQLite session database '{_databasePath}' is unavailable ({operation}): {ex.Message}", ex);
        }
    }

    private static bool IsUnavailable(SqliteException exception) => exception.SqliteErrorCode switch
    {
        SqliteErrorCodes.Busy or SqliteErrorCodes.Locked or SqliteErrorCodes.IoError or SqliteErrorCodes.Full
            or SqliteErrorCodes.CantOpen or SqliteErrorCodes.ReadOnly => true,
        _ => false,
    };
}
