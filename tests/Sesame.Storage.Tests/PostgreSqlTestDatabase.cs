using Npgsql;

namespace Sesame.Storage.Tests;

/// <summary>
/// The private PostgreSQL instance of <c>build/services/postgres.sh</c>, found through <c>SESAME_TEST_POSTGRES</c>.
/// Each test gets its own schema (via <c>Search Path</c>), so tests run in parallel without seeing each other's rows.
/// </summary>
internal static class PostgreSqlTestDatabase
{
    public const string EnvironmentVariable = "SESAME_TEST_POSTGRES";

    private static readonly Lazy<NpgsqlDataSource> Admin = new(() => NpgsqlDataSource.Create(ConnectionString));

    /// <summary>The base connection string; fails the test with instructions when the instance is not running.</summary>
    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrWhiteSpace(value))
            {
                Assert.Fail(
                    $"{EnvironmentVariable} is not set, so the PostgreSQL tests have no database. Start the private test " +
                    "instance with `bash build/services/postgres.sh start` (from the repository root) and export the " +
                    $"{EnvironmentVariable}=... line it prints, or run the whole suite with `bash build/test.sh`.");
            }

            return value!;
        }
    }

    /// <summary>Creates an empty schema and returns a connection string whose search path points at it.</summary>
    public static async Task<string> CreateSchemaAsync(string schema, CancellationToken cancellationToken)
    {
        await using (var command = Admin.Value.CreateCommand($"CREATE SCHEMA \"{schema}\";"))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ConnectionString;
    }

    /// <summary>Drops a schema made by <see cref="CreateSchemaAsync"/>.</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        await using var command = Admin.Value.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A fresh lower-case schema name.</summary>
    public static string NewSchemaName(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..16];
}
