using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore;

namespace Sesame.Client.Blazor.Tests.Infrastructure;

/// <summary>
/// A real Kestrel on 127.0.0.1 (OS-chosen port) running the Sesame server with the demo's API, serving the published Blazor app at <c>/</c>
/// and the official JavaScript client at <c>/test-assets/</c> (same origin, so both share the browser's cookies). The server's clock is a
/// <see cref="FakeTimeProvider"/> starting now: tests expire access tokens by advancing it, never by sleeping.
/// The demo API (what samples/Demo.Client calls): <c>POST /login</c> <c>{"userId"}</c>, <c>GET /api/me</c> (session),
/// <c>GET /api/stats</c> (<c>{"refreshCount"}</c>), <c>POST /api/payload</c> (session; JSON object merged into the payload).
/// </summary>
public sealed class BlazorTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _databasePath;
    private int _refreshCount;
    private int _theftCount;

    private BlazorTestHost(WebApplication app, string databasePath, FakeTimeProvider time)
    {
        _app = app;
        _databasePath = databasePath;
        Time = time;
    }

    /// <summary>The origin, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The server's clock.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Sessions refreshed by the server (successful rotations).</summary>
    public int RefreshCount => Volatile.Read(ref _refreshCount);

    /// <summary>Refresh-token theft detections.</summary>
    public int TheftCount => Volatile.Read(ref _theftCount);

    /// <summary>The access-token lifetime the server issues.</summary>
    public static TimeSpan AccessTokenLifetime { get; } = TimeSpan.FromMinutes(10);

    /// <summary>The server's session service (e.g. to revoke sessions behind the client's back).</summary>
    public ISessionService Sessions => _app.Services.GetRequiredService<ISessionService>();

    /// <summary>A delay before the refresh endpoint answers (a slow network or server), so that requests of other tabs surely arrive
    /// while a refresh is in flight. Zero by default; reset per test.</summary>
    public TimeSpan RefreshDelay { get; set; }

    public void ResetCounters()
    {
        RefreshDelay = TimeSpan.Zero;
        Interlocked.Exchange(ref _refreshCount, 0);
        Interlocked.Exchange(ref _theftCount, 0);
    }

    /// <summary>Lets every access token issued so far expire.</summary>
    public void ExpireAccessTokens() => Time.Advance(AccessTokenLifetime + TimeSpan.FromSeconds(5));

    /// <summary>When set, <c>GET /appsettings.json</c> answers this instead of the published file (the Blazor app reads its API domain there).</summary>
    public string? AppSettingsJson { get; set; }

    /// <summary>Starts a host.</summary>
    /// <param name="appRoot">The published app's <c>wwwroot</c>.</param>
    /// <param name="officialClientBundle">The official client's bundle.</param>
    /// <param name="corsOrigin">An app origin allowed to call this host's API cross-origin (with credentials and the Sesame headers), or null.</param>
    public static async Task<BlazorTestHost> StartAsync(string appRoot, string officialClientBundle, string? corsOrigin = null)
    {
        var databasePath = Path.Combine(Path.GetTempPath(), "sesame-blazor-tests", Guid.NewGuid().ToString("N") + ".db");
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Development",
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton<TimeProvider>(time);

        BlazorTestHost? host = null;
        builder.Services.AddSesame(options =>
        {
            options.DatabasePath = databasePath;
            options.AccessTokenLifetime = AccessTokenLifetime;
            options.Events.OnSessionRefreshed = _ =>
            {
                Interlocked.Increment(ref host!._refreshCount);
                return Task.CompletedTask;
            };
            options.Events.OnTokenTheftDetected = _ =>
            {
                Interlocked.Increment(ref host!._theftCount);
                return Task.CompletedTask;
            };
        });

        if (corsOrigin is not null)
        {
            builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy =>
                policy.WithOrigins(corsOrigin).AllowCredentials().AllowAnyMethod().WithSesameHeaders()));
        }

        var app = builder.Build();
        host = new BlazorTestHost(app, databasePath, time);
        if (corsOrigin is not null)
        {
            app.UseCors();
        }

        Configure(app, appRoot, officialClientBundle, host);
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri($"http://127.0.0.1:{new Uri(bound).Port}/");
        return host;
    }

    private static void Configure(WebApplication app, string appRoot, string officialClientBundle, BlazorTestHost host)
    {
        app.Use(async (context, next) =>
        {
            if (host.RefreshDelay > TimeSpan.Zero && context.Request.Path.Equals("/auth/session/refresh", StringComparison.OrdinalIgnoreCase))
            {
                await Task.Delay(host.RefreshDelay, context.RequestAborted);
            }

            await next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapSesame();

        app.MapPost("/login", async (HttpContext context, ISessionService sessions) =>
        {
            JsonObject? body;
            try
            {
                body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
            }
            catch (JsonException)
            {
                return Results.BadRequest("body must be {\"userId\":\"…\"}");
            }

            var userId = body?["userId"] is JsonValue value && value.TryGetValue<string>(out var text) ? text.Trim() : null;
            if (string.IsNullOrEmpty(userId))
            {
                return Results.BadRequest("userId missing");
            }

            await sessions.CreateSessionAsync(context, userId, new JsonObject { ["greeting"] = "hello " + userId }, context.RequestAborted);
            return Results.Text(userId);
        });

        app.MapGet("/api/me", (HttpContext context) =>
        {
            var session = context.GetSesameSession()!;
            return Results.Json(new { userId = session.UserId, payload = session.AccessTokenPayload });
        }).RequireAuthorization();

        app.MapGet("/api/stats", () => Results.Json(new { refreshCount = host.RefreshCount }));

        app.MapPost("/api/payload", async (HttpContext context, ISessionService sessions) =>
        {
            JsonObject? changes;
            try
            {
                changes = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
            }
            catch (JsonException)
            {
                changes = null;
            }

            if (changes is null)
            {
                return Results.BadRequest("body must be a JSON object");
            }

            return await sessions.UpdateAccessTokenPayloadAsync(context, changes, context.RequestAborted)
                ? Results.Json(context.GetSesameSession()!.AccessTokenPayload)
                : Results.Json(new { message = "unauthorised" }, statusCode: StatusCodes.Status401Unauthorized);
        }).RequireAuthorization();

        app.MapGet("/appsettings.json", (HttpContext context) => host.AppSettingsJson is { } json
            ? Results.Content(json, "application/json")
            : Results.File(Path.Combine(appRoot, "appsettings.json"), "application/json"));

        // The official JavaScript client and a page that loads it, in the same origin as the Blazor app.
        app.MapGet("/test-assets/supertokens.js", () => Results.File(officialClientBundle, "text/javascript"));
        app.MapGet("/test-assets/js-client.html", () => Results.Content(
            """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>official client</title></head><body>
            <p id="ready">official client page</p>
            <script src="/test-assets/supertokens.js"></script>
            <script>
              window.events = [];
              supertokens.init({ apiDomain: location.origin, apiBasePath: "/auth", onHandleEvent: (e) => window.events.push(e.action) });
            </script>
            </body></html>
            """, "text/html"));

        // The published Blazor app. .dat (ICU data, if any) is not a known type; unknown extensions would 404 and break boot.
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".dat"] = "application/octet-stream";
        var files = new PhysicalFileProvider(appRoot);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, ContentTypeProvider = types });
        app.MapFallbackToFile("index.html", new StaticFileOptions { FileProvider = files, ContentTypeProvider = types });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try
            {
                File.Delete(_databasePath + suffix);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }
}
