using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;
using Sesame.AspNetCore;
using Sesame.Storage.PostgreSql;

namespace Sesame.Benchmarks.Server;

/// <summary>
/// Builds one mode's app (services, middleware, endpoints). The server process runs it on Kestrel; the in-process pipeline
/// benchmarks (bench/Sesame.Benchmarks/Suites/PipelineBenchmarks.cs) run the very same app behind a server that only hands them its
/// request pipeline, so both measure the same code.
/// </summary>
internal static class BenchApp
{
    /// <summary>The scheme of the <c>floor</c> mode.</summary>
    public const string FloorScheme = "Floor";

    /// <summary>Builds the app of <paramref name="settings"/>; <paramref name="configure"/> adjusts the builder (server, port) first.</summary>
    public static WebApplication Build(BenchServerSettings settings, string? ownDatabase, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);

        AdjustableTimeProvider? clock = null;
        RsaSecurityKey? jwtKey = null;
        switch (settings.Mode)
        {
            case BenchServerMode.Sesame:
                clock = new AdjustableTimeProvider();
                builder.Services.AddSingleton<TimeProvider>(clock);
                var databasePath = Path.GetFullPath(settings.DatabasePath ?? ownDatabase ?? "sesame-bench.db");
                // Sesame encrypts its keys with Data Protection: the key ring lives beside the database (servers started from one
                // folder on one PostgreSQL database share it), so a restart or another server process reads the keys.
                builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(databasePath + "-keys"))
                    .SetApplicationName("Sesame.Benchmarks.Server");
                var sesame = builder.Services.AddSesame(options =>
                {
                    options.DatabasePath = databasePath;
                    // The server runs in Production, where Sesame requires the API's public origin (the issuer of its tokens).
                    options.ApiDomain = BenchTokens.ApiOrigin;
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

            case BenchServerMode.Floor:
                // What any scheme costs at least: the framework's authentication and authorization middlewares around a handler
                // that does no work at all (one constant ticket).
                builder.Services.AddAuthentication(options =>
                {
                    options.DefaultScheme = FloorScheme;
                    options.AddScheme(FloorScheme, scheme => scheme.HandlerType = typeof(ConstantTicketHandler));
                });
                builder.Services.AddTransient<ConstantTicketHandler>();
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

            case BenchServerMode.Floor:
                app.MapGet("/api/me", (HttpContext context) => context.User.FindFirst("sub")!.Value).RequireAuthorization();
                break;
        }

        return app;
    }
}

/// <summary>
/// The <c>floor</c> mode's scheme: every request is the same user, with no token to read. Implements
/// <see cref="IAuthenticationHandler"/> directly (no <c>AuthenticationHandler&lt;T&gt;</c> base), so what remains is the
/// framework's own cost of authenticating and authorizing a request.
/// </summary>
internal sealed class ConstantTicketHandler : IAuthenticationHandler
{
    private static readonly Task<AuthenticateResult> Authenticated = Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(
        new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", BenchTokens.UserId)], BenchApp.FloorScheme, "sub", ClaimTypes.Role)),
        BenchApp.FloorScheme)));

    private HttpContext? _context;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _context = context;
        return Task.CompletedTask;
    }

    public Task<AuthenticateResult> AuthenticateAsync() => Authenticated;

    public Task ChallengeAsync(AuthenticationProperties? properties)
    {
        _context!.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        _context!.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
