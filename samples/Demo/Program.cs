using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Demo;
using Demo.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Sesame.AspNetCore;

// The Sesame demo server. Options come from the "Session" section, so any of them can be set on the command line:
//   dotnet run --project samples/Demo -- --urls http://127.0.0.1:5080 --Session:AccessTokenLifetime=00:00:03
// Optional: --identity adds password users in ASP.NET Core Identity (Identity/DemoIdentity.cs).
var (identitySwitch, hostArgs) = DemoIdentity.ReadSwitch(args);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = hostArgs,
    // appsettings.json and the database sit beside the project whatever directory "dotnet run" is started from.
    ContentRootPath = DemoPaths.ProjectDirectory(),
});

// The Blazor app's files (samples/Demo.Client's _framework/…, index.html, css) are "static web assets" of this project: from the build
// output they are found through a manifest that ASP.NET Core reads only in the Development environment unless asked. Ask, so the demo works
// in any environment (a no-op for a published app, whose files are all in its own wwwroot).
builder.WebHost.UseStaticWebAssets();

var session = builder.Configuration.GetSection("Session");
// A relative database path is relative to the content root, so the file lands in samples/Demo/ on first start.
if (session["DatabasePath"] is { } databasePath && !Path.IsPathRooted(databasePath))
{
    session["DatabasePath"] = Path.Combine(builder.Environment.ContentRootPath, databasePath);
}

// Sesame encrypts its keys in the database with ASP.NET Core Data Protection. Its key ring is kept beside the database (owner-only
// folder), so a restart reads the keys again; without this it would live in ~/.aspnet or, where there is no home, in memory, and a
// restart would refuse to start (the database's keys unreadable). Production: docs/security.md, "Production checklist".
var dataProtectionKeys = Path.Combine(Path.GetDirectoryName(session["DatabasePath"] ?? Path.Combine(builder.Environment.ContentRootPath, "sesame.db"))!,
    "sesame-demo-keys");
if (!Directory.Exists(dataProtectionKeys))
{
    if (OperatingSystem.IsWindows())
    {
        Directory.CreateDirectory(dataProtectionKeys);
    }
    else
    {
        Directory.CreateDirectory(dataProtectionKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}

builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(dataProtectionKeys)).SetApplicationName("Sesame.Demo");

var stats = new DemoStats();
builder.Services.AddSesame(session);
builder.Services.Configure<SesameServerOptions>(options =>
{
    DemoAccount.AddClaims(options);
    options.Events.OnSessionRefreshed = _ =>
    {
        stats.SessionRefreshed();
        return Task.CompletedTask;
    };
    options.Events.OnTokenTheftDetected = _ =>
    {
        stats.TokenTheftDetected();
        return Task.CompletedTask;
    };
});
var identity = DemoIdentity.IsEnabled(identitySwitch, builder.Configuration);
if (identity)
{
    builder.AddDemoIdentity(session["DatabasePath"] ?? Path.Combine(builder.Environment.ContentRootPath, "sesame.db"));
}

builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, DemoJson.Default));

var app = builder.Build();

// What the server did since it started (all users): the pages show the refresh count next to the client's own events.
// Answered ahead of authentication, which reads the session of every request and, on the first request after a refresh,
// promotes the new token and sends it back: the pages fetch the stats on every session event, sign-out included, and a
// stats response racing a sign-out must not hand the just-removed session back to the page.
app.Use(async (context, next) =>
{
    if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals("/api/stats", StringComparison.OrdinalIgnoreCase))
    {
        await context.Response.WriteAsJsonAsync(stats.Snapshot(), DemoJson.Default.DemoStatsSnapshot, cancellationToken: context.RequestAborted);
        return;
    }

    await next(context);
});
app.UseAuthentication();
app.UseAuthorization();

// Refresh, sign-out, JWKS and OpenID configuration under /auth.
app.MapSesame();

// The app's own login: any user id is accepted (a real app checks a password first). The session's tokens go back
// as cookies when the request says "st-auth-mode: cookie" (the browser clients do), else in the st-access-token /
// st-refresh-token headers (the .NET client's default).
app.MapPost("/login", async (LoginRequest request, HttpContext context, ISessionService sessions) =>
{
    var userId = request.UserId?.Trim();
    if (string.IsNullOrEmpty(userId) || userId.Length > 100)
    {
        return Results.BadRequest(new ErrorResponse("userId is required (1 to 100 characters)"));
    }

    // Custom claims travel in the access token (and the front token the clients read); "roles" become role claims.
    var payload = new JsonObject { ["greeting"] = $"hello {userId}", ["plan"] = "demo" };
    if (request.Admin)
    {
        payload["roles"] = new JsonArray("admin");
    }

    await sessions.CreateSessionAsync(context, userId, payload, context.RequestAborted);
    stats.SessionCreated();
    return Results.Ok(new UserResponse(userId));
});

// A protected API: 401 {"message":"try refresh token"} once the access token expires; the client refreshes and retries.
app.MapGet("/api/me", (HttpContext context) => Results.Ok(new UserResponse(context.GetSesameSession()!.UserId)))
    .RequireAuthorization();

// Merges a JSON object into the session's access-token payload: the response carries a re-signed access token and a new
// front token, so every tab sees the change (clients raise "access token payload updated").
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
        return Results.BadRequest(new ErrorResponse("the body must be a JSON object, e.g. {\"color\":\"blue\"}"));
    }

    if (!await sessions.UpdateAccessTokenPayloadAsync(context, changes, context.RequestAborted))
    {
        return Results.Json(new ErrorResponse("unauthorised"), statusCode: StatusCodes.Status401Unauthorized);
    }

    return Results.Text(context.GetSesameSession()!.AccessTokenPayload.ToJsonString(), "application/json");
}).RequireAuthorization();

// A role-protected call, a call guarded by a session claim, and the user's sessions with revoke (DemoAccount.cs).
app.MapDemoAccount();

if (identity)
{
    await app.MapDemoIdentityAsync();
}

// The official JavaScript client (npm supertokens-website), bundled by build/deps/browser-assets.sh. The page /js.html
// explains how to build it when it is missing, so the demo itself never needs npm.
var javaScriptClientBundle = DemoPaths.JavaScriptClientBundle(builder.Configuration, builder.Environment);
app.MapGet("/js/supertokens.js", () => File.Exists(javaScriptClientBundle)
    ? Results.File(javaScriptClientBundle, "text/javascript")
    : Results.NotFound());

// The Blazor app (its _framework files with the right content types, compressed variants and caching headers) and this
// project's own wwwroot (js.html). Any other path that is not a file is a Blazor route: serve index.html.
app.MapStaticAssets();
app.MapFallbackToFile("index.html");

await app.StartAsync();
var options = app.Services.GetRequiredService<IOptions<SesameServerOptions>>().Value;
Console.WriteLine($"Sessions are stored in {options.DatabasePath}; access tokens live {options.AccessTokenLifetime.TotalSeconds:0} s.");
if (!File.Exists(javaScriptClientBundle))
{
    Console.WriteLine("The official JavaScript client bundle is not built; /js.html says how (bash build/deps/browser-assets.sh).");
}

// The URL last, where the eye lands (and what the demo's tests wait for).
var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
foreach (var address in addresses)
{
    var root = address.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).TrimEnd('/');
    if (identity)
    {
        Console.WriteLine($"Identity mode: password users at {root}/identity.html (endpoints under {root}{DemoIdentity.Prefix}/)");
    }

    Console.WriteLine($"Sesame demo running at {root}/  (official JavaScript client: {root}/js.html)  Ctrl+C to stop");
}

await app.WaitForShutdownAsync();

internal sealed record LoginRequest(string? UserId, bool Admin = false);

internal sealed record UserResponse(string UserId);

internal sealed record ErrorResponse(string Message);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(DemoStatsSnapshot))]
[JsonSerializable(typeof(DemoSession[]))]
internal sealed partial class DemoJson : JsonSerializerContext;
