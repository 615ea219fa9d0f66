using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sesame.AspNetCore;
using Sesame.Benchmarks.Server;
using Sesame.Storage.PostgreSql;

// The benchmark servers, one mode per process so a load driver never shares the server's process:
//   unprotected  GET /api/me answers a constant user id, no authentication at all (the physical limit)
//   sesame       GET /api/me needs a Sesame session; POST /login, the Sesame endpoints (refresh...), SQLite or PostgreSQL
//   jwtbearer    GET /api/me needs an RS256 bearer token validated by Microsoft.AspNetCore.Authentication.JwtBearer;
//                GET /bench/token hands out a token with the same claims, header and key size as a Sesame access token
// Every mode also has GET /hello and POST /echo (no authentication; the client benchmarks' target).
// Prints "listening on http://127.0.0.1:<port>" once ready; stops on stdin EOF or SIGTERM.
var settings = BenchServerSettings.Parse(args);

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, settings.Port));

AdjustableTimeProvider? clock = null;
RsaSecurityKey? jwtKey = null;
// A SQLite file this process made up (no --db, no --pg) is deleted when it stops.
var ownDatabase = settings.Mode == BenchServerMode.Sesame && settings.DatabasePath is null && settings.PostgreSqlConnectionString is null
    ? Path.Combine(Path.GetTempPath(), "sesame-bench", Guid.NewGuid().ToString("N") + ".db")
    : null;
switch (settings.Mode)
{
    case BenchServerMode.Sesame:
        clock = new AdjustableTimeProvider();
        builder.Services.AddSingleton<TimeProvider>(clock);
        var sesame = builder.Services.AddSesame(options =>
        {
            options.DatabasePath = settings.DatabasePath ?? ownDatabase ?? "sesame-bench.db";
            options.AccessTokenLifetime = TimeSpan.FromSeconds(settings.AccessTokenLifetimeSeconds);
            // The clock jumps forward in storm runs; a key rotation in the middle of a run would be noise.
            options.SigningKeyRotationInterval = TimeSpan.FromDays(3650);
        });
        if (settings.PostgreSqlConnectionString is { } pg)
        {
            sesame.UsePostgreSql(pg);
        }

        break;

    case BenchServerMode.JwtBearer:
        jwtKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "d-" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            // What an app writes for tokens signed with a known key: defaults everywhere else.
            options.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKey = jwtKey,
                ValidIssuer = BenchTokens.Issuer,
                ValidateAudience = false,
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            };
        });
        builder.Services.AddAuthorization();
        break;
}

var app = builder.Build();
if (settings.Mode != BenchServerMode.Unprotected)
{
    if (settings.Mode == BenchServerMode.Sesame && settings.CountRefreshes)
    {
        app.Use(RefreshCounter.Middleware);
    }

    app.UseAuthentication();
    app.UseAuthorization();
}

app.MapGet("/hello", () => "hello");
app.MapPost("/echo", async (HttpContext context) =>
{
    // Read the whole body (what an API does with JSON), answer a small constant.
    var buffer = new byte[4096];
    while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0)
    {
    }

    return "ok";
});

switch (settings.Mode)
{
    case BenchServerMode.Unprotected:
        app.MapGet("/api/me", () => BenchTokens.UserId);
        break;

    case BenchServerMode.Sesame:
        app.MapSesame();
        app.MapGet("/api/me", (HttpContext context) => context.GetSesameSession()!.UserId).RequireAuthorization();
        app.MapPost("/login", async (HttpContext context, ISessionService sessions) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
            var userId = body?["userId"]?.GetValue<string>() ?? BenchTokens.UserId;
            await sessions.CreateSessionAsync(context, userId, null, context.RequestAborted);
            return userId;
        });
        app.MapGet("/bench/counters", () => Results.Json(new { refreshes = RefreshCounter.Succeeded, refreshAttempts = RefreshCounter.Attempted }));
        app.MapPost("/bench/counters/reset", () =>
        {
            RefreshCounter.Reset();
            return "ok";
        });
        app.MapPost("/bench/clock", (long advanceSeconds) =>
        {
            clock!.Advance(TimeSpan.FromSeconds(advanceSeconds));
            return "ok";
        });
        break;

    case BenchServerMode.JwtBearer:
        var token = BenchTokens.Create(jwtKey!);
        app.MapGet("/api/me", (HttpContext context) =>
            (context.User.FindFirst(ClaimTypes.NameIdentifier) ?? context.User.FindFirst("sub"))!.Value).RequireAuthorization();
        app.MapGet("/bench/token", () => token);
        break;
}

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
}

namespace Sesame.Benchmarks.Server
{
    /// <summary>Which server a process runs.</summary>
    internal enum BenchServerMode
    {
        Unprotected,
        Sesame,
        JwtBearer,
    }

    /// <summary>Command line: <c>--mode unprotected|sesame|jwtbearer [--port N] [--db file] [--pg connstr] [--access-token-seconds N] [--count-refreshes]</c>.</summary>
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
        public const string Issuer = "http://127.0.0.1/auth";

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
