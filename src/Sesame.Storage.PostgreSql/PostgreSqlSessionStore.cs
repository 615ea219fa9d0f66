using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Sesame.AspNetCore.Storage;

namespace Sesame.Storage.PostgreSql;

/// <summary>
/// <see cref="ISessionStore"/> on PostgreSQL, for any number of server instances sharing one database. The
/// compare-and-set of refresh-token rotation is a single conditional <c>UPDATE</c>, so the database decides which of
/// two racing instances wins; signing keys and secrets live in the database so every instance signs and verifies alike.
/// </summary>
/// <remarks>
/// Connections come from an <see cref="NpgsqlDataSource"/> (Npgsql's pool). Connection failures, timeouts and
/// server shutdowns surface as <see cref="SessionStoreUnavailableException"/>, which the server answers with 503.
/// </remarks>
public sealed class PostgreSqlSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    /// <summary>Connect timeout Sesame applies when the connection string sets none (Npgsql's default is 15 s).</summary>
    public const int DefaultConnectTimeoutSeconds = 5;

    /// <summary>Command timeout Sesame applies when the connection string sets none (Npgsql's default is 30 s).</summary>
    public const int DefaultCommandTimeoutSeconds = 10;

    // "$1, $2, …": SessionRows.Bind adds the parameters in column order.
    private static readonly string s_insertPlaceholders =
        string.Join(", ", Enumerable.Range(1, SessionRows.ColumnCount).Select(static i => "$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly ILogger<PostgreSqlSessionStore> _logger;

    /// <summary>Creates a store over a data source the caller owns (and disposes).</summary>
    /// <param name="dataSource">Npgsql's pooled data source for the database.</param>
    /// <param name="logger">Where the store reports schema changes and outages.</param>
    public PostgreSqlSessionStore(NpgsqlDataSource dataSource, ILogger<PostgreSqlSessionStore> logger)
        : this(dataSource, ownsDataSource: false, logger)
    {
    }

    /// <summary>Creates a store with its own data source built from <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Database=app;Username=app;Password=…</c>.</param>
    /// <param name="logger">Where the store reports schema changes and outages.</param>
    /// <exception cref="ArgumentException">The connection string is empty or malformed.</exception>
    public PostgreSqlSessionStore(string connectionString, ILogger<PostgreSqlSessionStore> logger)
        : this(CreateDataSource(connectionString, loggerFactory: null), ownsDataSource: true, logger)
    {
    }

    internal PostgreSqlSessionStore(NpgsqlDataSource dataSource, bool ownsDataSource, ILogger<PostgreSqlSessionStore> logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(logger);
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _logger = logger;
    }

    /// <summary>
    /// Builds the data source Sesame uses for <paramref name="connectionString"/>: Npgsql's defaults plus, unless the
    /// string sets them, automatic statement preparation (the store runs a handful of statements over and over) and
    /// shorter timeouts (<see cref="DefaultConnectTimeoutSeconds"/>, <see cref="DefaultCommandTimeoutSeconds"/>).
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="loggerFactory">Npgsql's own logging, or <see langword="null"/>.</param>
    /// <returns>A new data source; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">The connection string is empty or malformed.</exception>
    public static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory? loggerFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!Mentions(given, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 16;
        }

        // Npgsql waits 15 s to connect and 30 s per command by default. A refresh that waits that long for a sick
        // database is worse than a quick 503 the client retries, so Sesame uses shorter limits unless the string sets them.
        if (!Mentions(given, "Timeout"))
        {
            builder.ConnectionStringBuilder.Timeout = DefaultConnectTimeoutSeconds;
        }

        if (!Mentions(given, "Command Timeout", "CommandTimeout"))
        {
            builder.ConnectionStringBuilder.CommandTimeout = DefaultCommandTimeoutSeconds;
        }

        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Build();
    }

    private static bool Mentions(System.Data.Common.DbConnectionStringBuilder given, params string[] keys) =>
        keys.Any(given.ContainsKey);

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var (from, to) = await RunAsync(nameof(InitializeAsync), this, static async (store, ct) =>
        {
            var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // The advisory lock makes instances that start at once migrate one after another: even
                    // CREATE TABLE IF NOT EXISTS can fail when two sessions run it concurrently. It is released at commit.
                    await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock($1);", ct, PostgreSqlSchema.MigrationLockKey).ConfigureAwait(false);
                    await ExecuteAsync(connection, PostgreSqlSchema.CreateMigrationsTable, ct).ConfigureAwait(false);

                    var version = (int)await SchemaMigrator.MigrateAsync(connection, PostgreSqlSchema.Migrations,
                        static async (c, token) =>
                        {
                            var read = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM sesame_schema_migrations;", c);
                            await using (read.ConfigureAwait(false))
                            {
                                return Convert.ToInt64(await read.ExecuteScalarAsync(token).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                            }
                        },
                        static (c, script, token) => ExecuteAsync(c, script, token),
                        static (c, reached, token) => ExecuteAsync(c, "INSERT INTO sesame_schema_migrations (version) VALUES ($1);", token, (int)reached),
                        (found, supported) =>
                        {
                            PostgreSqlSessionStoreLog.SchemaTooNew(store._logger, (int)found, (int)supported);
                            return new InvalidOperationException(
                                $"The PostgreSQL session schema has version {found}, but this version of Sesame understands up to " +
                                $"{supported}. Upgrade Sesame or use another database.");
                        }, ct).ConfigureAwait(false);

                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    return (version, PostgreSqlSchema.CurrentVersion);
                }
            }
        }, cancellationToken).ConfigureAwait(false);

        if (from != to)
        {
            PostgreSqlSessionStoreLog.SchemaMigrated(_logger, from, to);
        }

        PostgreSqlSessionStoreLog.StoreReady(_logger, to);
    }

    /// <inheritdoc />
    public Task CreateAsync(StoredSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return RunAsync(nameof(CreateAsync), (store: this, session), static async (state, ct) =>
        {
            var s = state.session;
            var command = state.store._dataSource.CreateCommand(
                "INSERT INTO sesame_sessions (" + SessionRows.Columns + ") VALUES (" + s_insertPlaceholders + ");");
            await using (command.ConfigureAwait(false))
            {
                SessionRows.Bind(command, s,
                    static (c, value) => c.Parameters.Add(NullableText(value)),
                    static (c, value) => c.Parameters.Add(NullableTime(value)));
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return true;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StoredSession?> FindAsync(string sessionHandle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        return RunAsync(nameof(FindAsync), (store: this, sessionHandle), static async (state, ct) =>
        {
            var command = state.store._dataSource.CreateCommand(
                "SELECT " + SessionRows.Columns + " FROM sesame_sessions WHERE session_handle = $1;");
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(Text(state.sessionHandle));
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadSession(reader) : null;
                }
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryRotateAsync(string sessionHandle, string expectedRefreshTokenHash2, string newRefreshTokenHash2,
        DateTimeOffset newExpiresAt, SessionRotationRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        ArgumentNullException.ThrowIfNull(expectedRefreshTokenHash2);
        ArgumentNullException.ThrowIfNull(newRefreshTokenHash2);
        return RunAsync(nameof(TryRotateAsync),
            (store: this, sessionHandle, expectedRefreshTokenHash2, newRefreshTokenHash2, newExpiresAt, record),
            static async (state, ct) =>
            {
                // The compare-and-set: a concurrent UPDATE of the same row waits for the first to commit, then
                // re-checks the WHERE clause against the new row, so exactly one of two racing rotations matches.
                var command = state.store._dataSource.CreateCommand(
                    "UPDATE sesame_sessions SET refresh_token_hash2 = $1, expires_at = $2, last_refreshed_at = $5, user_agent = $6, " +
                    "ip_address = $7 WHERE session_handle = $3 AND refresh_token_hash2 = $4;");
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.Add(Text(state.newRefreshTokenHash2));
                    command.Parameters.Add(Time(state.newExpiresAt));
                    command.Parameters.Add(Text(state.sessionHandle));
                    command.Parameters.Add(Text(state.expectedRefreshTokenHash2));
                    command.Parameters.Add(Time(state.record.RotatedAt));
                    command.Parameters.Add(NullableText(state.record.UserAgent));
                    command.Parameters.Add(NullableText(state.record.IpAddress));
                    return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
                }
            }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> UpdatePayloadAsync(string sessionHandle, string accessTokenPayloadJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        ArgumentNullException.ThrowIfNull(accessTokenPayloadJson);
        return RunAsync(nameof(UpdatePayloadAsync), (store: this, sessionHandle, accessTokenPayloadJson), static async (state, ct) =>
        {
            var command = state.store._dataSource.CreateCommand("UPDATE sesame_sessions SET payload = $1 WHERE session_handle = $2;");
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(Text(state.accessTokenPayloadJson));
                command.Parameters.Add(Text(state.sessionHandle));
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryUpdateSessionDataAsync(string sessionHandle, string expectedSessionDataJson, string sessionDataJson,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        ArgumentNullException.ThrowIfNull(expectedSessionDataJson);
        ArgumentNullException.ThrowIfNull(sessionDataJson);
        return RunAsync(nameof(TryUpdateSessionDataAsync), (store: this, sessionHandle, expectedSessionDataJson, sessionDataJson),
            static async (state, ct) =>
            {
                // As TryRotateAsync: a concurrent UPDATE of the row waits, then re-checks the WHERE clause against the new data.
                var command = state.store._dataSource.CreateCommand(
                    "UPDATE sesame_sessions SET session_data = $1 WHERE session_handle = $2 AND session_data = $3;");
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.Add(Text(state.sessionDataJson));
                    command.Parameters.Add(Text(state.sessionHandle));
                    command.Parameters.Add(Text(state.expectedSessionDataJson));
                    return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
                }
            }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string sessionHandle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionHandle);
        return RunAsync(nameof(DeleteAsync), (store: this, sessionHandle), static async (state, ct) =>
        {
            var command = state.store._dataSource.CreateCommand("DELETE FROM sesame_sessions WHERE session_handle = $1;");
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(Text(state.sessionHandle));
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> DeleteByUserAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return RunAsync<(PostgreSqlSessionStore store, string userId), IReadOnlyList<string>>(nameof(DeleteByUserAsync), (this, userId),
            static async (state, ct) =>
            {
                var command = state.store._dataSource.CreateCommand("DELETE FROM sesame_sessions WHERE user_id = $1 RETURNING session_handle;");
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.Add(Text(state.userId));
                    var handles = new List<string>();
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            handles.Add(reader.GetString(0));
                        }
                    }

                    return handles;
                }
            }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredSession>> ListByUserAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return RunAsync<(PostgreSqlSessionStore store, string userId, DateTimeOffset now), IReadOnlyList<StoredSession>>(
            nameof(ListByUserAsync), (this, userId, now), static async (state, ct) =>
            {
                var command = state.store._dataSource.CreateCommand(
                    "SELECT " + SessionRows.Columns + " FROM sesame_sessions WHERE user_id = $1 AND expires_at > $2 " +
                    "ORDER BY created_at, session_handle;");
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.Add(Text(state.userId));
                    command.Parameters.Add(Time(state.now));
                    var sessions = new List<StoredSession>();
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            sessions.Add(ReadSession(reader));
                        }
                    }

                    return sessions;
                }
            }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deleted = await RunAsync(nameof(DeleteExpiredAsync), (store: this, now), static async (state, ct) =>
        {
            var command = state.store._dataSource.CreateCommand("DELETE FROM sesame_sessions WHERE expires_at <= $1;");
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(Time(state.now));
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        PostgreSqlSessionStoreLog.ExpiredSessionsDeleted(_logger, deleted);
        return deleted;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredSigningKey>> GetSigningKeysAsync(CancellationToken cancellationToken) =>
        RunAsync<PostgreSqlSessionStore, IReadOnlyList<StoredSigningKey>>(nameof(GetSigningKeysAsync), this, static async (store, ct) =>
        {
            var command = store._dataSource.CreateCommand(
                "SELECT key_id, algorithm, private_key, created_at, is_protected FROM sesame_signing_keys ORDER BY created_at DESC, key_id DESC;");
            await using (command.ConfigureAwait(false))
            {
                var keys = new List<StoredSigningKey>();
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        keys.Add(new StoredSigningKey(
                            reader.GetString(0),
                            reader.GetString(1),
                            reader.GetFieldValue<byte[]>(2),
                            reader.GetFieldValue<DateTimeOffset>(3))
                        {
                            IsProtected = reader.GetBoolean(4),
                        });
                    }
                }

                return keys;
            }
        }, cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryAddSigningKeyAsync(StoredSigningKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(nameof(TryAddSigningKeyAsync), (store: this, key), static async (state, ct) =>
        {
            var command = state.store._dataSource.CreateCommand(
                "INSERT INTO sesame_signing_keys (key_id, algorithm, private_key, created_at, is_protected) VALUES ($1, $2, $3, $4, $5) " +
                "ON CONFLICT (key_id) DO NOTHING;");
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(Text(state.key.KeyId));
                command.Parameters.Add(Text(state.key.Algorithm));
                command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = state.key.PrivateKeyPkcs8, NpgsqlDbType = NpgsqlDbType.Bytea });
                command.Parameters.Add(Time(state.key.CreatedAt));
                command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = state.key.IsProtected, NpgsqlDbType = NpgsqlDbType.Boolean });
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryProtectSigningKeyAsync(string keyId, byte[] protectedMaterial, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(protectedMaterial);
        return RunAsync(nameof(TryProtectSigningKeyAsync), (store: this, keyId, protectedMaterial), static async (state, ct) =>
        {
            // The "still unprotected" condition is the compare-and-set: of two instances migrating at once one changes the row,
            // the other's UPDATE waits for it, re-checks the condition and changes nothing.
            var command = state.store._dataSource.CreateCommand(
                "UPDATE sesame_signing_keys SET private_key = $1, is_protected = true WHERE key_id = $2 AND NOT is_protected;");
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = state.protectedMaterial, NpgsqlDbType = NpgsqlDbType.Bytea });
                command.Parameters.Add(Text(state.keyId));
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DeleteSigningKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        return RunAsync(nameof(DeleteSigningKeyAsync), (store: this, keyId), static async (state, ct) =>
        {
            var command = state.store._dataSource.CreateCommand("DELETE FROM sesame_signing_keys WHERE key_id = $1;");
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(Text(state.keyId));
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(create);
        // The read-back is a new statement (a new snapshot) and ON CONFLICT waits for a concurrent inserter to commit, so it sees the
        // winner's value whichever instance won.
        return RunAsync(nameof(GetOrCreateSecretAsync), (store: this, name, create), static (state, ct) =>
            SecretRows.GetOrCreateAsync(state.store, state.name, state.create, static (store, secretName, token) => store.ReadSecretAsync(secretName, token),
                static async (store, secretName, value, token) =>
                {
                    var insert = store._dataSource.CreateCommand(
                        "INSERT INTO sesame_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING;");
                    await using (insert.ConfigureAwait(false))
                    {
                        insert.Parameters.Add(Text(secretName));
                        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Bytea });
                        await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                    }
                }, ct), cancellationToken);
    }

    /// <summary>Disposes the data source if this store created it.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Disposes the data source if this store created it.</summary>
    public void Dispose()
    {
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    private async Task<byte[]?> ReadSecretAsync(string name, CancellationToken ct)
    {
        var command = _dataSource.CreateCommand("SELECT value FROM sesame_secrets WHERE name = $1;");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(Text(name));
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as byte[];
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            foreach (var value in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    // timestamptz accepts only UTC values from Npgsql 6 on; the instant is what matters, not the caller's offset.
    private static NpgsqlParameter<DateTimeOffset> Time(DateTimeOffset value) =>
        new() { TypedValue = value.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static NpgsqlParameter NullableText(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter NullableTime(DateTimeOffset? value) =>
        new() { Value = (object?)value?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static StoredSession ReadSession(NpgsqlDataReader reader) =>
        SessionRows.Read(reader, static (r, ordinal) => r.GetFieldValue<DateTimeOffset>(ordinal));

    /// <summary>
    /// Runs <paramref name="work"/> and maps "cannot reach the database" errors (refused or broken connections,
    /// timeouts, an exhausted pool, a server shutting down) to <see cref="SessionStoreUnavailableException"/>.
    /// Other errors (constraint violations, bugs) and the caller's cancellation pass through unchanged.
    /// </summary>
    /// <remarks>
    /// Pooled connections that died while idle (the database restarted or failed over) fail on first use. Every such
    /// failure clears the pool's idle connections, and the operation is tried once more on a fresh connection, so the
    /// first requests after a database comes back do not answer 503. One retry is safe for every statement here: reads
    /// and idempotent writes repeat harmlessly, and a compare-and-set that did commit just reports "lost" on the retry,
    /// which callers already handle by re-reading the row. Timeouts are not retried: they would only double the wait.
    /// </remarks>
    private async Task<TResult> RunAsync<TState, TResult>(string operation, TState state,
        Func<TState, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work(state, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt == 1 && IsBrokenConnection(ex, cancellationToken))
            {
                _dataSource.Clear();
                PostgreSqlSessionStoreLog.RetryingOnFreshConnection(_logger, operation, ex);
            }
            catch (Exception ex) when (IsUnavailable(ex, cancellationToken))
            {
                _dataSource.Clear();
                PostgreSqlSessionStoreLog.StoreUnavailable(_logger, operation, ex);
                throw new SessionStoreUnavailableException($"The PostgreSQL session database is unavailable ({operation}): {ex.Message}", ex);
            }
        }
    }

    // A connection the server closed or reset (shutdown, restart, crash, network cut): worth one retry on a new one.
    private static bool IsBrokenConnection(Exception exception, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && exception switch
        {
            PostgresException postgres => postgres.SqlState.StartsWith("57P0", StringComparison.Ordinal)
                || postgres.SqlState.StartsWith("08", StringComparison.Ordinal),
            NpgsqlException npgsql => npgsql.InnerException is IOException or SocketException or EndOfStreamException,
            _ => false,
        };

    private static bool IsUnavailable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        _ when cancellationToken.IsCancellationRequested => false,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is TimeoutException or SocketException or IOException,
        TimeoutException or SocketException => true,
        _ => false,
    };
}
