using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sesame.AspNetCore;

namespace Sesame.Testing.Server;

/// <summary>
/// A real Kestrel on 127.0.0.1 (OS-chosen port) running the Sesame server with the endpoints of the reference
/// client suite's test server, its counters, and programmable responses. Shared by every test project.
/// </summary>
public sealed class SesameTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDatabase;
    private readonly Lock _programGate = new();
    private readonly Dictionary<string, List<ProgrammedEntry>> _programmed = new(StringComparer.OrdinalIgnoreCase);
    private int _refreshCalled;
    private int _refreshAttempted;
    private int _getSessionCalled;
    private int _theftDetected;

    private SesameTestServer(WebApplication app, string databasePath, bool ownsDatabase)
    {
        _app = app;
        DatabasePath = databasePath;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The server's options as resolved at start.</summary>
    public SesameServerOptions Options => _app.Services.GetRequiredService<IOptions<SesameServerOptions>>().Value;

    /// <summary>The server's services (e.g. <c>ISessionService</c>, <c>ISessionStore</c>).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The SQLite file the server uses.</summary>
    public string DatabasePath { get; }

    /// <summary>The refresh endpoint's URL.</summary>
    public Uri RefreshUri => new(BaseAddress, Options.ApiBasePath.TrimEnd('/') + "/session/refresh");

    /// <summary>Successful refreshes (200 from the refresh endpoint).</summary>
    public int RefreshCalledCount => Volatile.Read(ref _refreshCalled);

    /// <summary>Every hit of the refresh endpoint, programmed answers included (preflights excluded).</summary>
    public int RefreshAttemptedCount => Volatile.Read(ref _refreshAttempted);

    /// <summary>Successful <c>GET /</c> calls.</summary>
    public int GetSessionCalledCount => Volatile.Read(ref _getSessionCalled);

    /// <summary>How many times refresh-token theft was detected.</summary>
    public int TheftDetectedCount => Volatile.Read(ref _theftDetected);

    /// <summary>The Data Protection application name of every test server (so servers share key rings by folder alone).</summary>
    public const string DataProtectionApplicationName = "Sesame.Testing.Server";

    // One key ring per test process, its first key made before any server starts: servers starting at once then never race to
    // create the first key, each with its own.
    private static readonly Lazy<string> SharedDataProtectionKeys = new(() => NewDataProtectionKeysPath());

    /// <summary>A fresh Data Protection key ring folder holding one key (another key ring than every other server's).</summary>
    public static string NewDataProtectionKeysPath()
    {
        var path = Path.Combine(Path.GetTempPath(), "sesame-tests", "dp-keys-" + Guid.NewGuid().ToString("N"));
        var provider = Microsoft.AspNetCore.DataProtection.DataProtectionProvider.Create(new DirectoryInfo(path),
            builder => builder.SetApplicationName(DataProtectionApplicationName));
        _ = provider.CreateProtector("warm-up").Protect([1]);
        return path;
    }

    /// <summary>A fresh temporary SQLite path (not deleted by the server; for restart tests).</summary>
    public static string NewDatabasePath() =>
        Path.Combine(Path.GetTempPath(), "sesame-tests", Guid.NewGuid().ToString("N") + ".db");

    /// <summary>Starts a server.</summary>
    /// <param name="configure">Sets server options.</param>
    /// <param name="time">The server's clock; null = system clock.</param>
    /// <param name="databasePath">The SQLite file; null = a fresh temporary file deleted on dispose. The same path after a restart keeps the sessions.</param>
    /// <param name="ct">Cancels start-up.</param>
    public static Task<SesameTestServer> StartAsync(Action<SesameServerOptions>? configure = null, TimeProvider? time = null,
        string? databasePath = null, CancellationToken ct = default) =>
        StartAsync(new SesameTestServerSettings { Configure = configure, Time = time, DatabasePath = databasePath }, ct);

    /// <summary>Starts a server with every setting.</summary>
    /// <param name="settings">What to vary.</param>
    /// <param name="ct">Cancels start-up.</param>
    public static async Task<SesameTestServer> StartAsync(SesameTestServerSettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var ownsDatabase = settings.DatabasePath is null;
        var databasePath = settings.DatabasePath ?? NewDatabasePath();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SesameTestServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = settings.EnvironmentName,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        var useLocalhostName = string.Equals(settings.Host, "localhost", StringComparison.OrdinalIgnoreCase);
        var address = useLocalhostName ? IPAddress.Loopback : IPAddress.Parse(settings.Host);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, settings.Port));

        if (settings.Time is not null)
        {
            builder.Services.AddSingleton(settings.Time);
        }

        builder.Services.AddDataProtection()
            .PersistKeysToFileSystem(new DirectoryInfo(settings.DataProtectionKeysPath ?? SharedDataProtectionKeys.Value))
            .SetApplicationName(DataProtectionApplicationName);

        SesameTestServer? server = null;
        builder.Services.AddSesame(options =>
        {
            options.DatabasePath = databasePath;
            settings.Configure?.Invoke(options);
            var theft = options.Events.OnTokenTheftDetected;
            options.Events.OnTokenTheftDetected = context =>
            {
                Interlocked.Increment(ref server!._theftDetected);
                return theft(context);
            };
        });
        if (settings.CorsOrigins.Count > 0)
        {
            builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
                .WithOrigins([.. settings.CorsOrigins])
                .AllowCredentials()
                .AllowAnyHeader()
                .WithMethods("GET", "POST", "PUT", "DELETE")
                .WithExposedHeaders([.. SesameDefaults.CorsExposedHeaders, "testing"])));
        }

        settings.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build();
        server = new SesameTestServer(app, databasePath, ownsDatabase);
        server.Configure(app, settings);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound).Port;
        server.BaseAddress = new Uri($"http://{(useLocalhostName ? "localhost" : settings.Host)}:{port}/");
        return server;
    }

    /// <summary>Answers the next <paramref name="times"/> requests to <paramref name="path"/> with <paramref name="response"/>.</summary>
    /// <param name="path">The request path, e.g. <c>/auth/session/refresh</c> or <c>/</c>.</param>
    /// <param name="response">The answer.</param>
    /// <param name="times">How many requests; <see cref="int.MaxValue"/> = until <see cref="ClearProgrammed"/>.</param>
    public void Program(string path, ProgrammedResponse response, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(response);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_programGate)
        {
            if (!_programmed.TryGetValue(path, out var list))
            {
                _programmed[path] = list = [];
            }

            list.Add(new ProgrammedEntry(response, times));
        }
    }

    /// <summary>Forgets every programmed response.</summary>
    public void ClearProgrammed()
    {
        lock (_programGate)
        {
            _programmed.Clear();
        }
    }

    /// <summary>Sets every counter to 0.</summary>
    public void ResetCounters()
    {
        Interlocked.Exchange(ref _refreshCalled, 0);
        Interlocked.Exchange(ref _refreshAttempted, 0);
        Interlocked.Exchange(ref _getSessionCalled, 0);
        Interlocked.Exchange(ref _theftDetected, 0);
    }

    /// <summary>Stops the server and deletes its temporary database (if it made one).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            if (_ownsDatabase)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
                {
                    try
                    {
                        File.Delete(DatabasePath + suffix);
                    }
                    catch (IOException)
                    {
                        // best effort: a temp file left behind is harmless
                    }
                }
            }
        }
    }

    private void Configure(WebApplication app, SesameTestServerSettings settings)
    {
        var refreshPath = app.Services.GetRequiredService<IOptions<SesameServerOptions>>().Value.ApiBasePath.TrimEnd('/') + "/session/refresh";
        if (settings.CorsOrigins.Count > 0)
        {
            app.UseCors();
        }

        // Counters and programmed answers come first, so they see every request the way the reference server does.
        app.Use(async (context, next) =>
        {
            var isPreflight = HttpMethods.IsOptions(context.Request.Method);
            var isRefresh = !isPreflight && string.Equals(context.Request.Path.Value, refreshPath, StringComparison.OrdinalIgnoreCase);
            if (isRefresh)
            {
                Interlocked.Increment(ref _refreshAttempted);
            }

            if (!isPreflight && TakeProgrammed(context.Request.Path.Value ?? "/") is { } programmed)
            {
                await WriteProgrammedAsync(context, programmed).ConfigureAwait(false);
                return;
            }

            if (isRefresh)
            {
                // Counted when the response starts, before any byte reaches the client: counting after next() returned raced a client
                // that already had its answer (a flushed body) and read the count (seen once in a .NET 8 run).
                context.Response.OnStarting(static state =>
                {
                    var (server, http) = ((SesameTestServer, HttpContext))state;
                    if (http.Response.StatusCode == StatusCodes.Status200OK)
                    {
                        Interlocked.Increment(ref server._refreshCalled);
                    }

                    return Task.CompletedTask;
                }, (this, context));
            }

            await next(context).ConfigureAwait(false);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        settings.ConfigureApp?.Invoke(app);
        app.MapSesame();
        MapAppEndpoints(app);
    }

    private ProgrammedResponse? TakeProgrammed(string path)
    {
        lock (_programGate)
        {
            if (!_programmed.TryGetValue(path, out var list) || list.Count == 0)
            {
                return null;
            }

            var entry = list[0];
            if (entry.Remaining != int.MaxValue)
            {
                entry.Remaining--;
                if (entry.Remaining == 0)
                {
                    list.RemoveAt(0);
                }
            }

            return entry.Response;
        }
    }

    private static async Task WriteProgrammedAsync(HttpContext context, ProgrammedResponse programmed)
    {
        if (programmed.Delay > TimeSpan.Zero)
        {
            await Task.Delay(programmed.Delay, context.RequestAborted).ConfigureAwait(false);
        }

        if (programmed.Abort)
        {
            context.Abort();
            return;
        }

        var response = context.Response;
        response.StatusCode = programmed.Status;
        foreach (var (name, value) in programmed.Headers)
        {
            response.Headers[name] = value;
        }

        if (programmed.RemoveSession)
        {
            var basePath = context.RequestServices.GetRequiredService<IOptions<SesameServerOptions>>().Value.ApiBasePath.TrimEnd('/');
            response.Headers.Append("Set-Cookie", "sAccessToken=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; httponly");
            response.Headers.Append("Set-Cookie", $"sRefreshToken=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path={basePath}/session/refresh; httponly");
            response.Headers["st-access-token"] = string.Empty;
            response.Headers["st-refresh-token"] = string.Empty;
            response.Headers["front-token"] = "remove";
            response.Headers.Append("Access-Control-Expose-Headers", "front-token, st-access-token, st-refresh-token");
        }

        if (programmed.ContentType is not null)
        {
            response.ContentType = programmed.ContentType;
        }

        if (!string.IsNullOrEmpty(programmed.Body))
        {
            await response.WriteAsync(programmed.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private void MapAppEndpoints(WebApplication app)
    {
        app.MapPost("/login", async (HttpContext context, ISessionService sessions) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject;
            var userId = body?["userId"]?.GetValue<string>();
            if (string.IsNullOrEmpty(userId))
            {
                return Results.BadRequest("userId missing");
            }

            var payload = body!["payload"] as JsonObject;
            await sessions.CreateSessionAsync(context, userId, payload?.DeepClone().AsObject(), context.RequestAborted).ConfigureAwait(false);
            return Results.Text(userId);
        });

        app.MapGet("/", (HttpContext context) =>
        {
            Interlocked.Increment(ref _getSessionCalled);
            return Results.Text(context.GetSesameSession()!.UserId);
        }).RequireAuthorization();

        app.MapMethods("/testing", ["GET", "POST", "PUT", "DELETE"], (HttpContext context) =>
        {
            if (context.Request.Headers.TryGetValue("testing", out var testing))
            {
                context.Response.Headers["testing"] = testing;
            }

            return Results.Text("success");
        });

        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            return Results.Bytes(buffer.ToArray(), context.Request.ContentType);
        }).RequireAuthorization();

        app.MapGet("/check-rid", (HttpContext context) =>
            Results.Text(context.Request.Headers["rid"].ToString().StartsWith("anti-csrf", StringComparison.Ordinal) ? "success" : "fail"))
            .RequireAuthorization();

        app.MapGet("/update-jwt", (HttpContext context) =>
            Results.Text(context.GetSesameSession()!.AccessTokenPayload.ToJsonString(), "application/json"))
            .RequireAuthorization();

        app.MapPost("/update-jwt", async (HttpContext context, ISessionService sessions) =>
        {
            JsonObject? changes;
            try
            {
                changes = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject;
            }
            catch (JsonException)
            {
                return Results.BadRequest("body must be a JSON object");
            }

            if (changes is null)
            {
                return Results.BadRequest("body must be a JSON object");
            }

            if (!await sessions.UpdateAccessTokenPayloadAsync(context, changes, context.RequestAborted).ConfigureAwait(false))
            {
                return Results.Json(new { message = "unauthorised" }, statusCode: context.RequestServices
                    .GetRequiredService<IOptions<SesameServerOptions>>().Value.SessionExpiredStatusCode);
            }

            return Results.Text(context.GetSesameSession()!.AccessTokenPayload.ToJsonString(), "application/json");
        }).RequireAuthorization();

        app.MapPost("/logout", async (HttpContext context, ISessionService sessions) =>
        {
            await sessions.SignOutAsync(context, context.RequestAborted).ConfigureAwait(false);
            return Results.Text("success");
        }).RequireAuthorization();

        app.MapPost("/revokeAll", async (HttpContext context, ISessionService sessions) =>
        {
            await sessions.RevokeAllSessionsForUserAsync(context.GetSesameSession()!.UserId, context.RequestAborted).ConfigureAwait(false);
            return Results.Text("success");
        }).RequireAuthorization();

        app.MapGet("/ping", () => Results.Text("success"));

        app.MapGet("/testError", (int? code) => Results.Text("test error message", statusCode: code ?? 500));

        app.MapGet("/testHeader", (HttpContext context) =>
            Results.Json(new { success = context.Request.Headers.ContainsKey("st-custom-header") }));

        // The reference's catch-all: 404 with an empty body (the default already has no body).
        app.MapFallback((HttpContext context) =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    }

    private sealed class ProgrammedEntry(ProgrammedResponse response, int remaining)
    {
        public ProgrammedResponse Response { get; } = response;

        public int Remaining { get; set; } = remaining;
    }
}
