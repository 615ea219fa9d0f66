using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Sesame.AspNetCore;

// The Sesame demo server. Options come from the "Session" section, so any of them can be set on the command line:
//   dotnet run --project samples/Demo -- --urls http://127.0.0.1:5080 --Session:AccessTokenLifetime=00:00:03
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // wwwroot and the database sit beside the project whatever directory "dotnet run" is started from.
    ContentRootPath = ProjectDirectory(),
});

var session = builder.Configuration.GetSection("Session");
// A relative database path is relative to the content root, so the file lands in samples/Demo/ on first start.
if (session["DatabasePath"] is { } databasePath && !Path.IsPathRooted(databasePath))
{
    session["DatabasePath"] = Path.Combine(builder.Environment.ContentRootPath, databasePath);
}

builder.Services.AddSesame(session);
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, DemoJson.Default));

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();

// Refresh, sign-out, JWKS and OpenID configuration under /auth.
app.MapSesame();

// The app's own login: any user id is accepted (a real app checks a password first). The session's tokens go back
// as cookies when the request says "st-auth-mode: cookie", else in the st-access-token / st-refresh-token headers.
app.MapPost("/login", async (LoginRequest request, HttpContext context, ISessionService sessions) =>
{
    if (string.IsNullOrWhiteSpace(request.UserId))
    {
        return Results.BadRequest(new ErrorResponse("userId is required"));
    }

    await sessions.CreateSessionAsync(context, request.UserId, cancellationToken: context.RequestAborted);
    return Results.Ok(new UserResponse(request.UserId));
});

// A protected API: 401 {"message":"try refresh token"} once the access token expires; the client refreshes and retries.
app.MapGet("/api/me", (HttpContext context) => Results.Ok(new UserResponse(context.GetSesameSession()!.UserId)))
    .RequireAuthorization();

await app.StartAsync();
var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
foreach (var address in addresses)
{
    Console.WriteLine($"Sesame demo running at {address}  (Ctrl+C to stop)");
}

Console.WriteLine($"Sessions are stored in {app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SesameServerOptions>>().Value.DatabasePath}");
await app.WaitForShutdownAsync();

static string ProjectDirectory()
{
    // When run from the build output (bin/...), walk up to the folder holding Demo.csproj; else use the current directory.
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Demo.csproj")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}

internal sealed record LoginRequest(string? UserId);

internal sealed record UserResponse(string UserId);

internal sealed record ErrorResponse(string Message);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class DemoJson : JsonSerializerContext;
