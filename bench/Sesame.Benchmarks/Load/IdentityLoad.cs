using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Sesame.Benchmarks;

/// <summary>
/// ASP.NET Core Identity with Sesame sessions (Sesame.AspNetCore.Identity) against Identity's own <c>MapIdentityApi</c> bearer tokens, on
/// the same app and machine (bench/Sesame.Benchmarks.Identity.Server, each its own process on the servers' CPU): protected GET
/// requests/s with wrk, and refreshes/s with a closed-loop .NET driver (each client spends the refresh token its previous refresh
/// returned). Targets alternate within each round, several rounds, median kept; the ratio is Sesame ÷ MapIdentityApi.
/// </summary>
public static class IdentityLoad
{
    private const int Connections = 64;
    private const string Password = "Bench-Passw0rd!";

    /// <summary>One refresh cell's figures.</summary>
    public sealed record RefreshResult(double RefreshesPerSecond, double P50Ms, double P99Ms, long Failures);

    /// <summary>The two servers' figures (median rounds), for the section and the dry-run test.</summary>
    public sealed record Figures(WrkResult SesameGet, WrkResult IdentityGet, IReadOnlyDictionary<int, (RefreshResult Sesame, RefreshResult Identity)> Refresh);

    /// <summary>The server program, beside this assembly (the project reference copies it).</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "Sesame.Benchmarks.Identity.Server.dll");

    public static async Task<Figures> RunAsync(BenchProfile profile, string outputDirectory, TextWriter log, CancellationToken cancellationToken = default)
    {
        var (warmup, duration, refreshDuration, rounds, clientCounts) = profile switch
        {
            BenchProfile.Dry => (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), 1, new[] { 1, 4 }),
            BenchProfile.Quick => (TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(3), 1, new[] { 1, 16 }),
            _ => (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(5), 5, new[] { 1, 16 }),
        };
        Directory.CreateDirectory(outputDirectory);
        var cpu = CpuPinning.Available ? CpuPinning.ServerCpu : (int?)null;
        await using var sesameServer = await BenchServerProcess.StartAsync(ServerDll, ["--mode", "sesame"], cpu, cancellationToken).ConfigureAwait(false);
        await using var identityServer = await BenchServerProcess.StartAsync(ServerDll, ["--mode", "identityapi"], cpu, cancellationToken).ConfigureAwait(false);
        IServerClient[] servers = [new SesameClient(sesameServer.BaseAddress), new IdentityApiClient(identityServer.BaseAddress)];

        // One user per server; every client logs in once (Identity's PBKDF2 makes a login ~0.1 s, which is not what is measured).
        var maxClients = clientCounts.Max();
        var sessions = new Dictionary<string, List<Tokens>>();
        foreach (var server in servers)
        {
            await server.RegisterAsync(cancellationToken).ConfigureAwait(false);
            var tokens = new List<Tokens>();
            for (var i = 0; i <= maxClients; i++)
            {
                tokens.Add(await server.LoginAsync(cancellationToken).ConfigureAwait(false));
            }

            sessions[server.Name] = tokens;
            var (status, _) = await server.GetAsync(tokens[0].AccessToken, cancellationToken).ConfigureAwait(false);
            if (status != 200)
            {
                throw new InvalidOperationException($"{server.Name}: GET /api/me answered {status}");
            }

            log.WriteLine($"{server.Name}: warming up {warmup.TotalSeconds:F0} s");
            await Wrk.RunAsync(new Uri(server.BaseAddress, "api/me"), 1, Connections, warmup, ["Authorization: Bearer " + tokens[0].AccessToken], CpuPinning.LoadCpu,
                cancellationToken).ConfigureAwait(false);
            // Warm the refresh path too (JIT, EF Core's compiled queries), on the spare session.
            await RefreshLoopAsync(server, [sessions[server.Name][maxClients]], TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }

        var gets = servers.ToDictionary(s => s.Name, _ => new List<WrkResult>());
        var refreshes = servers.ToDictionary(s => s.Name, _ => clientCounts.ToDictionary(c => c, _ => new List<RefreshResult>()));
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var server in servers)
            {
                var result = await Wrk.RunAsync(new Uri(server.BaseAddress, "api/me"), 1, Connections, duration,
                    ["Authorization: Bearer " + sessions[server.Name][0].AccessToken], CpuPinning.LoadCpu, cancellationToken).ConfigureAwait(false);
                log.WriteLine($"round {round} GET {server.Name}: {result.RequestsPerSecond:F0} req/s p50 {result.P50Ms:F2} ms non-2xx {result.Non2xx}");
                if (result.Non2xx > 0 || (result.Requests == 0 && profile != BenchProfile.Dry))
                {
                    throw new InvalidOperationException($"{server.Name}: {result.Non2xx} non-2xx answers of {result.Requests}");
                }

                gets[server.Name].Add(result);
            }

            foreach (var clients in clientCounts)
            {
                foreach (var server in servers)
                {
                    var result = await RefreshLoopAsync(server, sessions[server.Name].Take(clients).ToArray(), refreshDuration, cancellationToken).ConfigureAwait(false);
                    log.WriteLine($"round {round} refresh {server.Name} x{clients}: {result.RefreshesPerSecond:F0}/s p50 {result.P50Ms:F2} ms failures {result.Failures}");
                    if (result.Failures > 0)
                    {
                        throw new InvalidOperationException($"{server.Name}: {result.Failures} refreshes failed");
                    }

                    refreshes[server.Name][clients].Add(result);
                }
            }
        }

        var sesameName = servers[0].Name;
        var identityName = servers[1].Name;
        var figures = new Figures(
            Median(gets[sesameName], r => r.RequestsPerSecond),
            Median(gets[identityName], r => r.RequestsPerSecond),
            clientCounts.ToDictionary(c => c, c => (Median(refreshes[sesameName][c], r => r.RefreshesPerSecond), Median(refreshes[identityName][c], r => r.RefreshesPerSecond))));
        WriteSection(outputDirectory, figures, duration, refreshDuration, rounds);
        return figures;
    }

    private static T Median<T>(List<T> values, Func<T, double> key) => values.OrderBy(key).ElementAt(values.Count / 2);

    /// <summary>Each client refreshes in a closed loop for <paramref name="duration"/>, on its own connection, spending the token the last refresh returned.</summary>
    private static async Task<RefreshResult> RefreshLoopAsync(IServerClient server, Tokens[] sessions, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latencies = new List<double>[sessions.Length];
        var failures = 0L;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(sessions.Select((session, index) => Task.Run(async () =>
        {
            var mine = new List<double>();
            latencies[index] = mine;
            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = 1 }) { BaseAddress = server.BaseAddress };
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                var before = Stopwatch.GetTimestamp();
                var next = await server.RefreshAsync(http, session.RefreshToken, cancellationToken).ConfigureAwait(false);
                if (next is null)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }

                mine.Add(Stopwatch.GetElapsedTime(before).TotalMilliseconds);
                session.RefreshToken = next;
            }
        }, cancellationToken))).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(all.Length * p))];
        return new RefreshResult(all.Length / elapsed, Percentile(0.50), Percentile(0.99), failures);
    }

    private static void WriteSection(string outputDirectory, Figures figures, TimeSpan duration, TimeSpan refreshDuration, int rounds)
    {
        var text = new StringBuilder();
        text.AppendLine("## ASP.NET Core Identity: Sesame sessions vs MapIdentityApi's bearer tokens");
        text.AppendLine();
        text.AppendLine("One app, two ways of giving out tokens (bench/Sesame.Benchmarks.Identity.Server, each mode its own Release process on 127.0.0.1):");
        text.AppendLine("ASP.NET Core Identity on EF Core over a SQLite file, default Identity options, and the same `GET /api/me` answering the user id from the");
        text.AppendLine("principal. **Sesame**: `AddIdentityCore().AddSesameSessions()`, `MapSesame()`, `MapSesameIdentityApi()` (docs/identity.md), header mode,");
        text.AppendLine("sessions in a SQLite file. **MapIdentityApi**: `AddIdentityApiEndpoints()` + `MapIdentityApi()`, Identity's bearer tokens (Data Protection).");
        text.AppendLine(CultureInfo.InvariantCulture, $"GET: `wrk -t1 -c{Connections} -d{duration.TotalSeconds:F0}s` with the login's access token. Refresh: a .NET closed loop, each client on its own");
        text.AppendLine("connection spending the refresh token its previous refresh returned: Sesame's `POST /auth/session/refresh` (Identity's refresh rules:");
        text.AppendLine("the user read from Identity's database, stamp, lock-out; then the session row's compare-and-set write and a new RS256 token pair) vs");
        text.AppendLine("Identity's `POST /refresh` (the ticket unprotected, the user read and its security stamp checked, a new principal with its claims read,");
        text.AppendLine(CultureInfo.InvariantCulture, $"two new tickets protected). {refreshDuration.TotalSeconds:F0} s per cell. Servers and driver in turns, {rounds} round(s), median round shown.");
        text.AppendLine(CpuPinning.Available
            ? $"Pinned with `taskset`: servers on CPU {CpuPinning.ServerCpu}, wrk and the refresh driver on CPU {CpuPinning.LoadCpu}."
            : "Not pinned (`taskset` or a second core is missing here): servers and drivers share the cores.");
        text.AppendLine();
        text.AppendLine("| measure | Sesame | MapIdentityApi | Sesame ÷ MapIdentityApi |");
        text.AppendLine("|---|---:|---:|---:|");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| protected GET, requests/s (p50) | {figures.SesameGet.RequestsPerSecond:N0} ({figures.SesameGet.P50Ms:F2} ms) | {figures.IdentityGet.RequestsPerSecond:N0} ({figures.IdentityGet.P50Ms:F2} ms) | {figures.SesameGet.RequestsPerSecond / figures.IdentityGet.RequestsPerSecond:F2}× |");
        foreach (var (clients, (sesame, identity)) in figures.Refresh.OrderBy(r => r.Key))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| refresh, {clients} client(s), refreshes/s (p50) | {sesame.RefreshesPerSecond:N0} ({sesame.P50Ms:F2} ms) | {identity.RefreshesPerSecond:N0} ({identity.P50Ms:F2} ms) | {sesame.RefreshesPerSecond / identity.RefreshesPerSecond:F2}× |");
        }

        text.AppendLine();
        text.AppendLine("What the refresh buys is not the same: Sesame's refresh rotates the refresh token with theft detection and records the session");
        text.AppendLine("(listable, revocable one at a time); Identity's hands out a new pair and remembers nothing (docs/identity.md).");
        text.AppendLine();
        File.WriteAllText(Path.Combine(outputDirectory, "45-identity.md"), text.ToString());

        var refresh = figures.Refresh.OrderBy(r => r.Key).Select(r =>
            string.Create(CultureInfo.InvariantCulture, $"{r.Value.Sesame.RefreshesPerSecond / r.Value.Identity.RefreshesPerSecond:F2}× with {r.Key} client(s)"));
        File.WriteAllText(Path.Combine(outputDirectory, "45-identity.headline"), string.Create(CultureInfo.InvariantCulture,
            $"- Identity: with ASP.NET Core Identity, a Sesame-protected GET serves {figures.SesameGet.RequestsPerSecond / figures.IdentityGet.RequestsPerSecond:F2}× the requests/s of `MapIdentityApi`'s bearer scheme; refreshes/s {string.Join(", ", refresh)} (Sesame ÷ MapIdentityApi, same app and machine).{Environment.NewLine}"));
    }

    /// <summary>One session's current tokens.</summary>
    private sealed class Tokens(string accessToken, string refreshToken)
    {
        public string AccessToken { get; } = accessToken;

        public string RefreshToken { get; set; } = refreshToken;
    }

    /// <summary>How the driver talks to one server kind.</summary>
    private interface IServerClient
    {
        string Name { get; }

        Uri BaseAddress { get; }

        Task RegisterAsync(CancellationToken cancellationToken);

        Task<Tokens> LoginAsync(CancellationToken cancellationToken);

        Task<(int Status, string Body)> GetAsync(string accessToken, CancellationToken cancellationToken);

        /// <summary>Spends <paramref name="refreshToken"/>; returns the next one, or null when the refresh failed.</summary>
        Task<string?> RefreshAsync(HttpClient http, string refreshToken, CancellationToken cancellationToken);
    }

    private abstract class ServerClient(string name, Uri baseAddress) : IServerClient
    {
        protected const string Email = "bench@example.com";

        protected static HttpClient Http { get; } = new(new SocketsHttpHandler { UseCookies = false });

        public string Name { get; } = name;

        public Uri BaseAddress { get; } = baseAddress;

        public async Task RegisterAsync(CancellationToken cancellationToken)
        {
            using var response = await Http.PostAsJsonAsync(new Uri(BaseAddress, "register"), new { email = Email, password = Password }, cancellationToken)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{Name}: /register answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
            }
        }

        public abstract Task<Tokens> LoginAsync(CancellationToken cancellationToken);

        public async Task<(int Status, string Body)> GetAsync(string accessToken, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, "api/me"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }

        public abstract Task<string?> RefreshAsync(HttpClient http, string refreshToken, CancellationToken cancellationToken);
    }

    /// <summary>Sesame (header mode): tokens in <c>st-access-token</c>/<c>st-refresh-token</c>, refresh with the refresh token as bearer.</summary>
    private sealed class SesameClient(Uri baseAddress) : ServerClient("Sesame", baseAddress)
    {
        public override async Task<Tokens> LoginAsync(CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, "login")) { Content = JsonContent.Create(new { email = Email, password = Password }) };
            request.Headers.Add("st-auth-mode", "header");
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            return new Tokens(response.Headers.GetValues("st-access-token").Single(), response.Headers.GetValues("st-refresh-token").Single());
        }

        public override async Task<string?> RefreshAsync(HttpClient http, string refreshToken, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "auth/session/refresh");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refreshToken);
            request.Headers.Add("st-auth-mode", "header");
            request.Headers.Add("rid", "session");
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode && response.Headers.TryGetValues("st-refresh-token", out var next) ? next.Single() : null;
        }
    }

    /// <summary><c>MapIdentityApi</c>: tokens in the login's JSON body, refresh with <c>POST /refresh {refreshToken}</c>.</summary>
    private sealed class IdentityApiClient(Uri baseAddress) : ServerClient("MapIdentityApi", baseAddress)
    {
        public override async Task<Tokens> LoginAsync(CancellationToken cancellationToken)
        {
            using var response = await Http.PostAsJsonAsync(new Uri(BaseAddress, "login"), new { email = Email, password = Password }, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            return new Tokens(body.GetProperty("accessToken").GetString()!, body.GetProperty("refreshToken").GetString()!);
        }

        public override async Task<string?> RefreshAsync(HttpClient http, string refreshToken, CancellationToken cancellationToken)
        {
            using var response = await http.PostAsJsonAsync("refresh", new { refreshToken }, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            return body.GetProperty("refreshToken").GetString();
        }
    }
}
