using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace Sesame.Benchmarks;

/// <summary>
/// Server throughput with wrk: GET of one endpoint answering the user id, unprotected vs protected by Sesame (header access token)
/// vs protected by ASP.NET Core JwtBearer (an RS256 token of the same claims and key size) vs the seed-era Node backend
/// (supertokens-node-mysql-ref-jwt, cookies). Every server is its own process; targets run in turns, several rounds, median kept.
/// </summary>
public static class ServerLoad
{
    private const int Connections = 64;
    private const int Threads = 1;

    /// <summary>One server under load.</summary>
    private sealed record Target(string Name, Uri Url, string[] Headers);

    public static async Task RunAsync(BenchProfile profile, string outputDirectory, string? nodeUrl, TextWriter log, CancellationToken cancellationToken = default)
    {
        var (warmup, duration, rounds) = profile switch
        {
            BenchProfile.Dry => (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 1),
            BenchProfile.Quick => (TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4), 1),
            // Five shorter rounds rather than three long ones: the median then shrugs off a round that a neighbour on this shared
            // machine disturbed.
            _ => (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6), 5),
        };
        Directory.CreateDirectory(outputDirectory);
        await using var unprotected = await BenchServerProcess.StartAsync(["--mode", "unprotected"], CpuPinning.ServerCpu, cancellationToken).ConfigureAwait(false);
        await using var sesame = await BenchServerProcess.StartAsync(["--mode", "sesame"], CpuPinning.ServerCpu, cancellationToken).ConfigureAwait(false);
        await using var jwt = await BenchServerProcess.StartAsync(["--mode", "jwtbearer"], CpuPinning.ServerCpu, cancellationToken).ConfigureAwait(false);
        await using var floor = await BenchServerProcess.StartAsync(["--mode", "floor"], CpuPinning.ServerCpu, cancellationToken).ConfigureAwait(false);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false });

        var targets = new List<Target>
        {
            new("unprotected", new Uri(unprotected.BaseAddress, "api/me"), []),
            new("Sesame", new Uri(sesame.BaseAddress, "api/me"), ["Authorization: Bearer " + await SesameAccessTokenAsync(http, sesame.BaseAddress).ConfigureAwait(false)]),
            // The same request bytes as the Sesame row (the token header is read by Kestrel but nobody checks it): separates the cost
            // of checking the token from the cost of carrying it.
            new("unprotected + token header", new Uri(unprotected.BaseAddress, "api/me"), ["Authorization: Bearer " + ClientTokens.AccessToken()]),
            // What any authentication scheme costs at least: ASP.NET Core's authentication + authorization middlewares with a handler
            // that returns one constant ticket without reading anything (the same token header rides along, unread).
            new("framework floor", new Uri(floor.BaseAddress, "api/me"), ["Authorization: Bearer " + ClientTokens.AccessToken()]),
            new("JwtBearer", new Uri(jwt.BaseAddress, "api/me"), ["Authorization: Bearer " + await http.GetStringAsync(new Uri(jwt.BaseAddress, "bench/token"), cancellationToken).ConfigureAwait(false)]),
        };
        if (nodeUrl is not null)
        {
            targets.Add(await NodeTargetAsync(http, new Uri(nodeUrl.TrimEnd('/') + "/")).ConfigureAwait(false));
        }

        foreach (var target in targets)
        {
            // Each target must answer 200 with the user id before it is measured.
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
            foreach (var header in target.Headers)
            {
                var colon = header.IndexOf(':', StringComparison.Ordinal);
                request.Headers.TryAddWithoutValidation(header[..colon], header[(colon + 1)..].Trim());
            }

            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{target.Name} answered {(int)response.StatusCode} {body}");
            }

            log.WriteLine($"{target.Name}: warming up {warmup.TotalSeconds:F0} s");
            await Wrk.RunAsync(target.Url, Threads, Connections, warmup, target.Headers, CpuPinning.LoadCpu, cancellationToken).ConfigureAwait(false);
        }

        var results = targets.ToDictionary(t => t.Name, _ => new List<WrkResult>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var target in targets)
            {
                var result = await Wrk.RunAsync(target.Url, Threads, Connections, duration, target.Headers, CpuPinning.LoadCpu, cancellationToken).ConfigureAwait(false);
                log.WriteLine($"round {round} {target.Name}: {result.RequestsPerSecond:F0} req/s p50 {result.P50Ms:F2} ms p99 {result.P99Ms:F2} ms non-2xx {result.Non2xx} socket errors {result.SocketErrors}");
                // Every answer must be a 200. No answer at all within the run is a failure too, except in the 1-second dry run (CI only checks
                // that the suite still works, on a busy machine; each target already answered 200 once above).
                if (result.Non2xx > 0 || (result.Requests == 0 && profile != BenchProfile.Dry))
                {
                    throw new InvalidOperationException($"{target.Name}: {result.Non2xx} non-2xx answers of {result.Requests}");
                }

                results[target.Name].Add(result);
            }
        }

        var median = results.ToDictionary(r => r.Key, r => r.Value.OrderBy(x => x.RequestsPerSecond).ElementAt(r.Value.Count / 2));
        var best = results.ToDictionary(r => r.Key, r => r.Value.Max(x => x.RequestsPerSecond));
        WriteSection(outputDirectory, median, best, duration, rounds, nodeUrl is not null);
    }

    private static async Task<string> SesameAccessTokenAsync(HttpClient http, Uri server)
    {
        using var login = await http.PostAsJsonAsync(new Uri(server, "login"), new { userId = "bench-user-0001" }).ConfigureAwait(false);
        login.EnsureSuccessStatusCode();
        return login.Headers.GetValues("st-access-token").Single();
    }

    private static async Task<Target> NodeTargetAsync(HttpClient http, Uri node)
    {
        using var login = await http.PostAsync(new Uri(node, "login"), new StringContent("""{"userId":"bench-user-0001"}""", Encoding.UTF8, "application/json"))
            .ConfigureAwait(false);
        login.EnsureSuccessStatusCode();
        var cookies = login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Where(c => !c.EndsWith('=')).ToList();
        var headers = new List<string> { "Cookie: " + string.Join("; ", cookies) };
        if (login.Headers.TryGetValues("anti-csrf", out var antiCsrf))
        {
            headers.Add("anti-csrf: " + antiCsrf.Single());
        }

        return new Target("seed-era Node", new Uri(node, "session"), [.. headers]);
    }

    private static void WriteSection(string outputDirectory, Dictionary<string, WrkResult> median, Dictionary<string, double> best, TimeSpan duration,
        int rounds, bool withNode)
    {
        var baseline = median["unprotected"];
        var sameBytes = median["unprotected + token header"];
        var sesame = median["Sesame"];
        var floor = median["framework floor"];
        var text = new StringBuilder();
        text.AppendLine("## Server throughput (wrk)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`wrk -t{Threads} -c{Connections} -d{duration.TotalSeconds:F0}s --latency` per target, targets in turns, {rounds} round(s), median round shown (after a warm-up run each).");
        text.AppendLine("Each server is its own Release process on 127.0.0.1 (Kestrel, server GC, no logging); the endpoint answers the user id.");
        text.AppendLine(CpuPinning.Available
            ? $"Pinned with `taskset`: every server runs on CPU {CpuPinning.ServerCpu} only, wrk on CPU {CpuPinning.LoadCpu}, so requests/s compare each server's CPU cost per request on one core."
            : "Not pinned (`taskset` or a second core is missing here): servers and wrk share the cores, so expect wider swings between rounds.");
        text.AppendLine("Sesame: header access token (RS256, ~870 characters) checked by the Sesame authentication handler; JwtBearer: `AddJwtBearer` with the");
        text.AppendLine("same claims, header and key size, default options apart from the key and issuer.");
        if (withNode)
        {
            text.AppendLine("seed-era Node: `tests/Interop/seed-era-server` (Express + supertokens-node-mysql-ref-jwt 5.0.4, MariaDB), `GET /session` with its cookies.");
        }

        text.AppendLine("p99 is not a fair comparison here: in some rounds, on every .NET server alike (the unprotected one included), wrk reports latencies up to ~0.9 s");
        text.AppendLine("that its own throughput rules out (64 connections at 55k req/s mean ~1.2 ms by Little's law; wrk said 65 ms), and such rounds lose 15–35 % of their requests/s.");
        text.AppendLine("So the table also gives each server's best round (the least disturbed one) and the ratios of those; compare requests/s and p50.");
        text.AppendLine("`unprotected + token header`: the unprotected server sent a token-sized `Authorization` header that nobody checks (same request bytes as the Sesame row).");
        text.AppendLine("`framework floor`: `UseAuthentication` + `UseAuthorization` + `RequireAuthorization()` with a scheme whose handler returns one constant ticket");
        text.AppendLine("without reading the request: the least any authentication scheme costs in ASP.NET Core, with the same request bytes.");
        text.AppendLine("Targets: Sesame ≥ 0.95× unprotected, ≥ 1.05× JwtBearer, ≥ 5× the Node backend.");
        text.AppendLine();
        text.AppendLine("| server | requests/s (median round) | p50 (ms) | p99 (ms) | ratio to unprotected | Sesame ÷ this | requests/s (best round) | best: ratio to unprotected | best: Sesame ÷ this |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, result) in median)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {result.RequestsPerSecond:N0} | {result.P50Ms:F2} | {result.P99Ms:F2} | {result.RequestsPerSecond / baseline.RequestsPerSecond:F2}× | {sesame.RequestsPerSecond / result.RequestsPerSecond:F2}× | {best[name]:N0} | {best[name] / best["unprotected"]:F2}× | {best["Sesame"] / best[name]:F2}× |");
        }

        text.AppendLine();
        File.WriteAllText(Path.Combine(outputDirectory, "40-server-throughput.md"), text.ToString());

        var headline = new StringBuilder();
        var node = withNode
            ? string.Create(CultureInfo.InvariantCulture, $", {sesame.RequestsPerSecond / median["seed-era Node"].RequestsPerSecond:F1}× the seed-era Node backend's")
            : string.Empty;
        headline.AppendLine(CultureInfo.InvariantCulture,
            $"- Server: a Sesame-protected endpoint serves {sesame.RequestsPerSecond / baseline.RequestsPerSecond:F2}× the unprotected endpoint's requests/s ({sesame.RequestsPerSecond / sameBytes.RequestsPerSecond:F2}× when that one receives the same token header unchecked; the framework floor, ASP.NET Core's auth middlewares with a constant-ticket scheme, is {floor.RequestsPerSecond / baseline.RequestsPerSecond:F2}×, so Sesame is {sesame.RequestsPerSecond / floor.RequestsPerSecond:F2}× the floor), {sesame.RequestsPerSecond / median["JwtBearer"].RequestsPerSecond:F2}× JwtBearer's{node} (median rounds; best rounds: {best["Sesame"] / best["unprotected"]:F2}× unprotected, {best["Sesame"] / best["framework floor"]:F2}× the floor, {best["Sesame"] / best["JwtBearer"]:F2}× JwtBearer).");
        File.WriteAllText(Path.Combine(outputDirectory, "40-server-throughput.headline"), headline.ToString());
    }
}
