using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sesame.Benchmarks.Server;

// The benchmark servers, one mode per process so a load driver never shares the server's process:
//   unprotected  GET /api/me answers a constant user id, no authentication at all (the physical limit)
//   sesame       GET /api/me needs a Sesame session; POST /login, the Sesame endpoints (refresh...), SQLite or PostgreSQL
//   jwtbearer    GET /api/me needs an RS256 bearer token validated by Microsoft.AspNetCore.Authentication.JwtBearer;
//                GET /bench/token hands out a token with the same claims, header and key size as a Sesame access token
//   floor        GET /api/me needs an authenticated user; the scheme's handler returns one constant ticket (no token at all):
//                the least any scheme costs behind UseAuthentication/UseAuthorization/RequireAuthorization
// Every mode also has GET /hello and POST /echo (no authentication; the client benchmarks' target).
// Prints "listening on http://127.0.0.1:<port>" once ready; stops on stdin EOF or SIGTERM.
var settings = BenchServerSettings.Parse(args);

// A SQLite file this process made up (no --db, no --pg) is deleted when it stops.
var ownDatabase = settings.Mode == BenchServerMode.Sesame && settings.DatabasePath is null && settings.PostgreSqlConnectionString is null
    ? Path.Combine(Path.GetTempPath(), "sesame-bench", Guid.NewGuid().ToString("N") + ".db")
    : null;
var app = BenchApp.Build(settings, ownDatabase, builder =>
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, settings.Port)));

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine("listening on " + address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
Console.Out.Flush();

// The parent process ends the server by closing stdin (or by a signal); either way the host stops cleanly.
var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
_ = Task.Run(() =>
{
    while (Console.In.Read() >= 0)
    {
    }

    lifetime.StopApplication();
});
await app.WaitForShutdownAsync();
await app.DisposeAsync();
if (ownDatabase is not null)
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    foreach (var suffix in new[] { "", "-wal", "-shm" })
    {
        File.Delete(ownDatabase + suffix);
    }

    if (Directory.Exists(ownDatabase + "-keys"))
    {
        Directory.Delete(ownDatabase + "-keys", recursive: true); // its Data Protection key ring (BenchApp)
    }
}

namespace Sesame.Benchmarks.Server
{
    /// <summary>Which server a process runs.</summary>
    internal enum BenchServerMode
    {
        Unprotected,
        Sesame,
        JwtBearer,
        Floor,
    }

    /// <summary>Command line: <c>--mode unprotected|sesame|jwtbearer|floor [--port N] [--db file] [--pg connstr] [--access-token-seconds N] [--count-refreshes]</c>.</summary>
    internal sealed record BenchServerSettings(BenchServerMode Mode, int Port, string? DatabasePath, string? PostgreSqlConnectionString,
        int AccessTokenLifetimeSeconds, bool CountRefreshes)
    {
        public static BenchServerSettings Parse(string[] args)
        {
            var mode = BenchServerMode.Unprotected;
            var port = 0;
            string? db = null;
            string? pg = null;
            var lifetime = 3600;
            var count = false;
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--mode": mode = Enum.Parse<BenchServerMode>(Next(), ignoreCase: true); break;
                    case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--db": db = Next(); break;
                    case "--pg": pg = Next(); break;
                    case "--access-token-seconds": lifetime = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--count-refreshes": count = true; break;
                    default: throw new ArgumentException($"unknown argument {args[i]}");
                }
            }

            return new BenchServerSettings(mode, port, db, pg, lifetime, count);
        }
    }

    /// <summary>The system clock plus an offset that only grows: storm runs expire access tokens without waiting.</summary>
    internal sealed class AdjustableTimeProvider : TimeProvider
    {
        private long _offsetTicks;

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
    }

    /// <summary>Counts refresh-endpoint hits and successes (for "exactly one refresh" checks); only installed when asked for.</summary>
    internal static class RefreshCounter
    {
        private static int s_attempted;
        private static int s_succeeded;

        public static int Attempted => Volatile.Read(ref s_attempted);

        public static int Succeeded => Volatile.Read(ref s_succeeded);

        public static void Reset()
        {
            Interlocked.Exchange(ref s_attempted, 0);
            Interlocked.Exchange(ref s_succeeded, 0);
        }

        public static async Task Middleware(HttpContext context, RequestDelegate next)
        {
            var isRefresh = HttpMethods.IsPost(context.Request.Method)
                && context.Request.Path.Value?.EndsWith("/session/refresh", StringComparison.Ordinal) == true;
            if (isRefresh)
            {
                Interlocked.Increment(ref s_attempted);
            }

            await next(context);
            if (isRefresh && context.Response.StatusCode == StatusCodes.Status200OK)
            {
                Interlocked.Increment(ref s_succeeded);
            }
        }
    }

    /// <summary>The JwtBearer mode's token: the claims, header and key size of a Sesame v5 access token.</summary>
    internal static class BenchTokens
    {
        public const string UserId = "bench-user-0001";
        public const string ApiOrigin = "http://127.0.0.1";

        public const string Issuer = ApiOrigin + "/auth";

        public static string Create(RsaSecurityKey key)
        {
            var now = DateTimeOffset.UtcNow;
            var payload = new JsonObject
            {
                ["sub"] = UserId,
                ["exp"] = now.AddDays(1).ToUnixTimeSeconds(),
                ["iat"] = now.ToUnixTimeSeconds(),
                ["tId"] = "public",
                ["rsub"] = UserId,
                ["sessionHandle"] = Guid.NewGuid().ToString(),
                ["refreshTokenHash1"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                ["parentRefreshTokenHash1"] = null,
                ["antiCsrfToken"] = null,
                ["iss"] = Issuer,
            };
            return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
                payload.ToJsonString(),
                new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
                new Dictionary<string, object> { ["version"] = "5" });
        }
    }
}
