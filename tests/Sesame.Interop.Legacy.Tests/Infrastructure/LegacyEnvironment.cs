using System.Globalization;

[assembly: AssemblyFixture(typeof(Sesame.Interop.Legacy.Tests.Infrastructure.LegacyEnvironment))]

namespace Sesame.Interop.Legacy.Tests.Infrastructure;

/// <summary>
/// What every seed-era peer needs, set up once per test run: the private MariaDB instance and the peer's npm packages.
/// Under <c>build/test.sh</c> MariaDB is already running and its <c>SESAME_TEST_MARIADB_*</c> variables are set; a plain
/// <c>dotnet test</c> of this project starts the instance itself (same script) and stops it again at the end.
/// </summary>
public sealed class LegacyEnvironment : IAsyncLifetime
{
    private const string VariablePrefix = "SESAME_TEST_MARIADB_";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);
    private bool _startedMariaDbHere;

    /// <summary>MariaDB connection settings for the peer, as the service script prints them (HOST, PORT, USER, PASSWORD, DATABASE).</summary>
    public IReadOnlyDictionary<string, string> MariaDb { get; private set; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (!Directory.Exists(Path.Combine(RepositoryPaths.SeedEraServer, "node_modules", "supertokens-node-mysql-ref-jwt")))
        {
            await RunScriptAsync("build/deps/seed-era-server.sh");
        }

        var fromEnvironment = ReadSettings(name => Environment.GetEnvironmentVariable(VariablePrefix + name));
        if (fromEnvironment is not null)
        {
            MariaDb = fromEnvironment;
            return;
        }

        var (stdout, stderr) = await RunScriptAsync("build/services/mariadb.sh", "start");
        var printed = stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith(VariablePrefix, StringComparison.Ordinal) && line.Contains('=', StringComparison.Ordinal))
            .ToDictionary(line => line[VariablePrefix.Length..line.IndexOf('=', StringComparison.Ordinal)], line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        MariaDb = ReadSettings(name => printed.GetValueOrDefault(name))
            ?? throw new InvalidOperationException($"build/services/mariadb.sh start printed no connection settings: {stdout} {stderr}");
        _startedMariaDbHere = !stderr.Contains("reusing", StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_startedMariaDbHere)
        {
            await RunScriptAsync("build/services/mariadb.sh", "stop");
        }
    }

    private static Dictionary<string, string>? ReadSettings(Func<string, string?> read)
    {
        string[] names = ["HOST", "PORT", "USER", "PASSWORD", "DATABASE"];
        var values = names.ToDictionary(name => name, read);
        if (values["PORT"] is null)
        {
            return null;
        }

        _ = int.Parse(values["PORT"]!, CultureInfo.InvariantCulture); // a malformed variable fails here, not inside node
        return values.Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => pair.Value!);
    }

    private static async Task<(string StdOut, string StdErr)> RunScriptAsync(params string[] scriptAndArguments)
    {
        var (exitCode, stdout, stderr) = await ProcessRunner.RunAsync(
            "bash", scriptAndArguments, RepositoryPaths.Root, ScriptTimeout, CancellationToken.None);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"bash {string.Join(' ', scriptAndArguments)} failed ({exitCode}): {stderr}{stdout}");
        }

        return (stdout, stderr);
    }
}
