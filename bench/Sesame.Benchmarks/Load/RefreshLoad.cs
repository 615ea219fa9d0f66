using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Sesame.Benchmarks;

/// <summary>
/// Refresh throughput of a real Sesame server (its own process) on SQLite and on PostgreSQL: C clients (1, 8, 64), each with its own
/// session and connection, refresh in a closed loop (each refresh spends the refresh token the previous one returned, so every
/// refresh after the first promotes a child token: one read and one compare-and-set write), with 10³, 10⁵ and 10⁶ sessions stored.
/// Extra sessions are bulk-inserted straight into the store's table (SQLite: one transaction of prepared inserts; PostgreSQL: binary COPY).
/// </summary>
public static class RefreshLoad
{
    /// <summary>One measured cell.</summary>
    public sealed record Cell(string Store, long StoredSessions, int Clients, double RefreshesPerSecond, double P50Ms, double P99Ms, long Failures);

    public static async Task<IReadOnlyList<Cell>> RunAsync(BenchProfile profile, string outputDirectory, string? postgreSql, TextWriter log,
        CancellationToken cancellationToken = default)
    {
        var (sizes, clients, warmup, duration) = profile switch
        {
            BenchProfile.Dry => (new long[] { 100 }, new[] { 1, 4 }, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500)),
            BenchProfile.Quick => (new long[] { 1_000, 10_000 }, new[] { 1, 8, 64 }, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)),
            _ => (new long[] { 1_000, 100_000, 1_000_000 }, new[] { 1, 8, 64 }, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(8)),
        };
        Directory.CreateDirectory(outputDirectory);
        var cells = new List<Cell>();

        var sqlitePath = Path.Combine(Path.GetTempPath(), "sesame-bench", "refresh-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using (var server = await BenchServerProcess.StartAsync(["--mode", "sesame", "--db", sqlitePath], cancellationToken).ConfigureAwait(false))
            {
                cells.AddRange(await MeasureStoreAsync("SQLite", server, new SqliteSeeder(sqlitePath), sizes, clients, warmup, duration, log, cancellationToken)
                    .ConfigureAwait(false));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(sqlitePath + suffix);
            }
        }

        if (postgreSql is not null)
        {
            // A database of its own (dropped afterwards), so a run never touches the tests' data nor another run's.
            var name = "sesame_bench_" + Guid.NewGuid().ToString("N")[..12];
            var benchDatabase = await PostgreSqlSeeder.CreateDatabaseAsync(postgreSql, name, cancellationToken).ConfigureAwait(false);
            try
            {
                await using var server = await BenchServerProcess.StartAsync(["--mode", "sesame", "--pg", benchDatabase], cancellationToken).ConfigureAwait(false);
                cells.AddRange(await MeasureStoreAsync("PostgreSQL", server, new PostgreSqlSeeder(benchDatabase), sizes, clients, warmup, duration, log, cancellationToken)
                    .ConfigureAwait(false));
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await PostgreSqlSeeder.DropDatabaseAsync(postgreSql, name, CancellationToken.None).ConfigureAwait(false);
            }
        }

        WriteSection(outputDirectory, cells, duration, postgreSql is not null);
        return cells;
    }

    private static async Task<List<Cell>> MeasureStoreAsync(string store, BenchServerProcess server, ISeeder seeder, long[] sizes, int[] clientCounts,
        TimeSpan warmup, TimeSpan duration, TextWriter log, CancellationToken cancellationToken)
    {
        var cells = new List<Cell>();
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = clientCounts.Max() });
        var refreshUri = new Uri(server.BaseAddress, "auth/session/refresh");
        long stored = 0;
        foreach (var size in sizes)
        {
            var seeded = Stopwatch.StartNew();
            stored += await seeder.SeedAsync(size - stored, cancellationToken).ConfigureAwait(false);
            log.WriteLine($"{store}: {stored:N0} sessions stored (seeded in {seeded.Elapsed.TotalSeconds:F1} s)");
            foreach (var clientCount in clientCounts)
            {
                var tokens = new string[clientCount];
                for (var i = 0; i < clientCount; i++)
                {
                    using var login = await http.PostAsJsonAsync(new Uri(server.BaseAddress, "login"), new { userId = $"bench-user-{i:D4}" }, cancellationToken)
                        .ConfigureAwait(false);
                    login.EnsureSuccessStatusCode();
                    tokens[i] = login.Headers.GetValues("st-refresh-token").Single();
                }

                stored += clientCount;
                await LoopAsync(http, refreshUri, tokens, warmup, null, cancellationToken).ConfigureAwait(false);
                var latencies = new List<double>[clientCount];
                var (refreshes, failures, elapsed) = await LoopAsync(http, refreshUri, tokens, duration, latencies, cancellationToken).ConfigureAwait(false);
                var all = latencies.SelectMany(l => l).Order().ToArray();
                var cell = new Cell(store, stored, clientCount, refreshes / elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99), failures);
                log.WriteLine($"{store} {stored:N0} sessions, {clientCount} clients: {cell.RefreshesPerSecond:F0} refreshes/s p50 {cell.P50Ms:F2} ms p99 {cell.P99Ms:F2} ms failures {failures}");
                if (refreshes == 0)
                {
                    throw new InvalidOperationException($"{store}: no refresh succeeded ({failures} failed)");
                }

                cells.Add(cell);
            }
        }

        return cells;
    }

    /// <summary>Each client refreshes in a closed loop for <paramref name="duration"/>, always with the newest refresh token.</summary>
    private static async Task<(long Refreshes, long Failures, TimeSpan Elapsed)> LoopAsync(HttpClient http, Uri refreshUri, string[] tokens,
        TimeSpan duration, List<double>[]? latencies, CancellationToken cancellationToken)
    {
        long refreshes = 0, failures = 0;
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var loops = tokens.Select((_, client) => Task.Run(async () =>
        {
            var mine = latencies is null ? null : latencies[client] = new List<double>(4096);
            while (Stopwatch.GetTimestamp() < end)
            {
                var sent = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, refreshUri);
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + tokens[client]);
                request.Headers.TryAddWithoutValidation("st-auth-mode", "header");
                request.Headers.TryAddWithoutValidation("rid", "session");
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode && response.Headers.TryGetValues("st-refresh-token", out var next))
                {
                    tokens[client] = next.Single();
                    Interlocked.Increment(ref refreshes);
                    mine?.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(loops).ConfigureAwait(false);
        return (refreshes, failures, Stopwatch.GetElapsedTime(started));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static void WriteSection(string outputDirectory, List<Cell> cells, TimeSpan duration, bool withPostgreSql)
    {
        var text = new StringBuilder();
        text.AppendLine("## Refresh throughput (.NET closed-loop driver)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"C clients, each with its own session and keep-alive connection, refresh back to back for {duration.TotalSeconds:F0} s after a warm-up,");
        text.AppendLine("each time spending the refresh token the previous refresh returned (header transfer method): every refresh reads the session row, promotes the");
        text.AppendLine("child token with a compare-and-set write, and signs a new RS256 access token. The server is its own Release process; the stored sessions are");
        text.AppendLine("bulk-inserted rows plus the clients' own." + (withPostgreSql ? " PostgreSQL is the private instance of `build/services/postgres.sh` (fsync off)." : " (PostgreSQL was not available for this run.)"));
        text.AppendLine();
        text.AppendLine("| store | stored sessions | clients | refreshes/s | p50 (ms) | p99 (ms) | failures |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var cell in cells)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {cell.Store} | {Magnitude(cell.StoredSessions)} | {cell.Clients} | {cell.RefreshesPerSecond:N0} | {cell.P50Ms:F2} | {cell.P99Ms:F2} | {cell.Failures} |");
        }

        text.AppendLine();
        File.WriteAllText(Path.Combine(outputDirectory, "50-refresh-throughput.md"), text.ToString());

        var headline = new StringBuilder();
        foreach (var store in cells.Select(c => c.Store).Distinct())
        {
            var mine = cells.Where(c => c.Store == store).ToList();
            var best = mine.MaxBy(c => c.RefreshesPerSecond)!;
            var largest = mine.Where(c => c.StoredSessions == mine.Max(x => x.StoredSessions)).MaxBy(c => c.RefreshesPerSecond)!;
            headline.AppendLine(CultureInfo.InvariantCulture,
                $"- Refresh on {store}: up to {best.RefreshesPerSecond:N0} refreshes/s ({best.Clients} clients); {largest.RefreshesPerSecond:N0}/s with {Magnitude(largest.StoredSessions)} sessions stored (p99 {largest.P99Ms:F1} ms).");
        }

        File.WriteAllText(Path.Combine(outputDirectory, "50-refresh-throughput.headline"), headline.ToString());
    }

    /// <summary>10³-style for exact powers of ten (with the clients' own sessions rounded away), digits otherwise.</summary>
    private static string Magnitude(long count)
    {
        var power = (int)Math.Round(Math.Log10(Math.Max(1, count)));
        var rounded = (long)Math.Pow(10, power);
        return Math.Abs(count - rounded) <= 200 ? "~10" + Superscript(power) : count.ToString("N0", CultureInfo.InvariantCulture);
    }

    private static string Superscript(int power) => string.Concat(power.ToString(CultureInfo.InvariantCulture).Select(d => "⁰¹²³⁴⁵⁶⁷⁸⁹"[d - '0']));

    /// <summary>Adds rows straight into a store's session table.</summary>
    private interface ISeeder
    {
        Task<long> SeedAsync(long count, CancellationToken cancellationToken);
    }

    private static string RandomHex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private sealed class SqliteSeeder(string path) : ISeeder
    {
        public Task<long> SeedAsync(long count, CancellationToken cancellationToken)
        {
            if (count <= 0)
            {
                return Task.FromResult(0L);
            }

            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 60 }.ToString());
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO sesame_sessions (session_handle, user_id, refresh_token_hash2, payload, session_data, created_at, expires_at) VALUES ($h, $u, $r, '{}', '{}', $c, $e)";
            var handle = insert.Parameters.Add("$h", SqliteType.Text);
            var user = insert.Parameters.Add("$u", SqliteType.Text);
            var hash = insert.Parameters.Add("$r", SqliteType.Text);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            insert.Parameters.AddWithValue("$c", now);
            insert.Parameters.AddWithValue("$e", now + (long)TimeSpan.FromDays(100).TotalMilliseconds);
            insert.Prepare();
            for (long i = 0; i < count; i++)
            {
                handle.Value = Guid.NewGuid().ToString();
                user.Value = "seed-user-" + (i % 250_000).ToString(CultureInfo.InvariantCulture);
                hash.Value = RandomHex();
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            return Task.FromResult(count);
        }
    }

    private sealed class PostgreSqlSeeder(string connectionString) : ISeeder
    {
        /// <summary>Creates database <paramref name="name"/> beside the given one and returns its connection string.</summary>
        public static async Task<string> CreateDatabaseAsync(string connectionString, string name, CancellationToken cancellationToken)
        {
            await AdminAsync(connectionString, $"CREATE DATABASE {name}", cancellationToken).ConfigureAwait(false);
            return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
        }

        public static Task DropDatabaseAsync(string connectionString, string name, CancellationToken cancellationToken) =>
            AdminAsync(connectionString, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", cancellationToken);

        private static async Task AdminAsync(string connectionString, string sql, CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        public async Task<long> SeedAsync(long count, CancellationToken cancellationToken)
        {
            if (count <= 0)
            {
                return 0;
            }

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            await using (var import = await connection.BeginBinaryImportAsync(
                "COPY sesame_sessions (session_handle, user_id, refresh_token_hash2, payload, session_data, created_at, expires_at) FROM STDIN (FORMAT BINARY)",
                cancellationToken).ConfigureAwait(false))
            {
                for (long i = 0; i < count; i++)
                {
                    await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(Guid.NewGuid().ToString(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync("seed-user-" + (i % 250_000).ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(RandomHex(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync("{}", NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync("{}", NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(now.AddDays(100), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                }

                await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var analyze = new NpgsqlCommand("ANALYZE sesame_sessions", connection);
            await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return count;
        }
    }
}
