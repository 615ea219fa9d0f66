using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sesame.Testing;

namespace Sesame.Storage.Tests;

/// <summary>
/// A PostgreSQL instance of its own (same <c>build/services/postgres.sh</c>, another data folder and port) that a test
/// may stop and start: a real database outage, without disturbing the shared instance other tests use.
/// </summary>
internal sealed class PrivatePostgreSqlInstance : IAsyncDisposable
{
    private readonly string _script;
    private readonly string _folder;
    private readonly int _port;

    private PrivatePostgreSqlInstance(string script, string folder, int port)
    {
        _script = script;
        _folder = folder;
        _port = port;
    }

    public string ConnectionString { get; private set; } = "";

    public static async Task<PrivatePostgreSqlInstance> StartAsync()
    {
        var root = RepositoryRoot.Path;
        for (var attempt = 1; ; attempt++)
        {
            var folder = Path.Combine(root, ".build", "pg-tests", Guid.NewGuid().ToString("N")[..12]);
            var instance = new PrivatePostgreSqlInstance(Path.Combine(root, "build", "services", "postgres.sh"), folder, FreePort());
            try
            {
                await instance.StartAgainAsync();
                return instance;
            }
            catch (InvalidOperationException ex) when (attempt < 5 && ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another process took the port between our probe and PostgreSQL's bind: try another one.
                await instance.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the (stopped) instance on the same folder and port.</summary>
    public async Task StartAgainAsync()
    {
        var output = await RunAsync("start");
        var line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(PostgreSqlTestDatabase.EnvironmentVariable + "=", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("postgres.sh start printed no connection string:\n" + output);
        ConnectionString = line[(PostgreSqlTestDatabase.EnvironmentVariable.Length + 1)..];
    }

    /// <summary>Shuts the instance down (fast mode: open connections are cut).</summary>
    public Task StopAsync() => RunAsync("stop");

    /// <summary>Stops the instance and deletes its folder (wherever the script put it).</summary>
    public async ValueTask DisposeAsync() => await RunAsync("purge");

    private async Task<string> RunAsync(string verb)
    {
        var start = new ProcessStartInfo("bash", [_script, verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["SESAME_PG_DIR"] = _folder;
        start.Environment["SESAME_PG_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"postgres.sh {verb} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        return await stdout;
    }

    /// <summary>A free port below Linux's ephemeral range (32768+), where the Kestrel servers (port 0) and outgoing connections of
    /// test projects running at the same time cannot take it between this probe and PostgreSQL's bind.</summary>
    private static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20_000, 30_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use: pick another.
            }
        }
    }
}
