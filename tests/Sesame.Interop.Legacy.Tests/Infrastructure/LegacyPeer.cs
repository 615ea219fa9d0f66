using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Sesame.Interop.Legacy.Tests.Infrastructure;

/// <summary>
/// One seed-era backend process (<c>node tests/Interop/seed-era-server/server.js</c>, the real npm package
/// supertokens-node-mysql-ref-jwt 5.0.4 on the private MariaDB) on its own free loopback port. Disposing kills it.
/// </summary>
public sealed class LegacyPeer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly HttpClient _control;

    private LegacyPeer(Process process, StringBuilder output, int port, TimeSpan accessTokenLifetime)
    {
        _process = process;
        _output = output;
        Port = port;
        AccessTokenLifetime = accessTokenLifetime;
        // The peer's cookies carry Domain=localhost, so a cookie-keeping client must use the host name "localhost".
        BaseAddress = new Uri($"http://localhost:{port}/");
        _control = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>http://localhost:&lt;port&gt;/ (the cookies' domain).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The refresh endpoint (the package's renewTokenPath), the <c>refreshTokenUrl</c> of the seeds' <c>init</c>.</summary>
    public Uri RefreshUrl => new(BaseAddress, "/refresh");

    /// <summary>The same server under another origin (http://127.0.0.1:&lt;port&gt;/): no cookie of the session reaches it.</summary>
    public Uri OtherOriginAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The TCP port on loopback.</summary>
    public int Port { get; }

    /// <summary>The access-token lifetime the peer was started with.</summary>
    public TimeSpan AccessTokenLifetime { get; }

    /// <summary>Starts a peer and waits until <c>GET /ping</c> answers.</summary>
    /// <param name="environment">The MariaDB instance.</param>
    /// <param name="accessTokenLifetime">Access-token validity (under 10 s the server sets TEST_MODE=testing itself).</param>
    /// <param name="tableSuffix">Keeps this peer's two tables apart from concurrently running peers.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<LegacyPeer> StartAsync(
        LegacyEnvironment environment, TimeSpan accessTokenLifetime, string tableSuffix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryPaths.SeedEraServer,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("server.js");
        startInfo.Environment["PORT"] = "0";
        startInfo.Environment["ACCESS_TOKEN_VALIDITY"] = accessTokenLifetime.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        startInfo.Environment["TABLE_SUFFIX"] = tableSuffix;
        foreach (var (name, value) in environment.MariaDb)
        {
            startInfo.Environment["MYSQL_" + name] = value;
        }

        var output = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output) { output.AppendLine(e.Data); }
            const string Marker = "listening on ";
            if (e.Data.StartsWith(Marker, StringComparison.Ordinal)
                && int.TryParse(e.Data.AsSpan(Marker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                listening.TrySetResult(port);
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"the seed-era server exited during start-up: {output}"));
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start node");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        LegacyPeer? peer = null;
        try
        {
            var port = await listening.Task.WaitAsync(StartTimeout, cancellationToken);
            peer = new LegacyPeer(process, output, port, accessTokenLifetime);
            using var ping = await peer._control.GetAsync(new Uri("/ping", UriKind.Relative), cancellationToken);
            if (ping.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET /ping answered {(int)ping.StatusCode}: {output}");
            }

            return peer;
        }
        catch
        {
            if (peer is not null)
            {
                await peer.DisposeAsync();
            }
            else
            {
                KillQuietly(process);
                process.Dispose();
            }

            throw;
        }
    }

    /// <summary>Successful refreshes since start or the last <see cref="ResetAsync"/> (<c>GET /refreshCount</c>).</summary>
    public Task<int> RefreshCountAsync() => ReadCounterAsync("/refreshCount");

    /// <summary>All calls of the refresh endpoint, failed ones included (<c>GET /refreshAttemptCount</c>).</summary>
    public Task<int> RefreshAttemptCountAsync() => ReadCounterAsync("/refreshAttemptCount");

    /// <summary>Token thefts the package detected (each revoked the session) (<c>GET /theftCount</c>).</summary>
    public Task<int> TheftCountAsync() => ReadCounterAsync("/theftCount");

    /// <summary>Successful <c>GET /</c> calls (<c>GET /getSessionCount</c>).</summary>
    public Task<int> GetSessionCountAsync() => ReadCounterAsync("/getSessionCount");

    /// <summary>What happened, in order: login, refresh, TRY_REFRESH_TOKEN, UNAUTHORISED, … (<c>GET /events</c>).</summary>
    public async Task<IReadOnlyList<string>> EventsAsync()
    {
        var json = await _control.GetStringAsync(new Uri("/events", UriKind.Relative));
        return JsonSerializer.Deserialize<string[]>(json) ?? [];
    }

    /// <summary>Resets the counters and events (<c>POST /reset</c>).</summary>
    public async Task ResetAsync()
    {
        using var response = await _control.PostAsync(new Uri("/reset", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The next <paramref name="times"/> refresh calls answer <paramref name="status"/> instead of refreshing.</summary>
    public async Task ProgramRefreshAsync(int status, int times = 1, string body = "")
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { status, times, body }), Encoding.UTF8, "application/json");
        using var response = await _control.PostAsync(new Uri("/program-refresh", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// The peer's clock as our client should see it: the system clock plus the peer's shift. Give it to a client
    /// (<c>services.AddSingleton&lt;TimeProvider&gt;(peer.Clock)</c>) so that its cookie jar expires the peer's cookies in step.
    /// </summary>
    public LegacyPeerClock Clock { get; } = new();

    /// <summary>
    /// Expires the access tokens issued so far: the peer's clock (its <c>Date.now</c>) and <see cref="Clock"/> move forward past the
    /// lifetime at once; no real time passes. Tokens issued afterwards live a full lifetime again, so a test's later steps never
    /// race an expiry however busy the machine is.
    /// </summary>
    public async Task ExpireAccessTokensAsync()
    {
        var step = AccessTokenLifetime + TimeSpan.FromSeconds(2); // the package's cookie expiry dates are whole seconds
        using var content = new StringContent(
            JsonSerializer.Serialize(new { seconds = step.TotalSeconds }), Encoding.UTF8, "application/json");
        using var response = await _control.PostAsync(new Uri("/clock/advance", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        Clock.Advance(step);
    }

    /// <summary>The peer's console output so far (for failure messages).</summary>
    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        KillQuietly(_process);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Nothing more to do: the kill was sent; the test run must not hang on a stuck child.
        }

        _process.Dispose();
    }

    private async Task<int> ReadCounterAsync(string path)
    {
        var text = await _control.GetStringAsync(new Uri(path, UriKind.Relative));
        return int.Parse(text, CultureInfo.InvariantCulture);
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}

/// <summary>The system clock shifted forward as far as a <see cref="LegacyPeer"/>'s clock (<see cref="LegacyPeer.ExpireAccessTokensAsync"/>).</summary>
public sealed class LegacyPeerClock : TimeProvider
{
    private long _offsetTicks;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    internal void Advance(TimeSpan step) => Interlocked.Add(ref _offsetTicks, step.Ticks);
}
