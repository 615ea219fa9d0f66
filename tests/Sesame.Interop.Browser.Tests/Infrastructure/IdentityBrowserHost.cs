using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Identity;

namespace Sesame.Interop.Browser.Tests.Infrastructure;

/// <summary>The Identity database of the browser host: Identity's own EF Core model.</summary>
public sealed class BrowserIdentityDb(DbContextOptions<BrowserIdentityDb> options) : IdentityDbContext<IdentityUser>(options);

/// <summary>
/// A real Kestrel on a free port of 127.0.0.1 running ASP.NET Core Identity (EF Core over a SQLite file) with Sesame sessions, as an
/// app that moved from <c>MapIdentityApi</c> would: <c>AddIdentityCore().AddSesameSessions()</c>, <c>MapSesame()</c>,
/// <c>MapSesameIdentityApi()</c>. It also serves a blank page and the official client's bundle (<c>/assets/supertokens.js</c>), so the
/// page, the API and the session endpoints share one origin. Its clock is the test's, so tokens expire when a test says so.
/// </summary>
public sealed class IdentityBrowserHost : IAsyncDisposable
{
    /// <summary>The page the tests open: it only loads the client bundle.</summary>
    private const string Page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Identity + Sesame</title><script src="/assets/supertokens.js"></script></head>
        <body><h1>Identity + Sesame</h1></body></html>
        """;

    private readonly WebApplication _app;
    private readonly string _directory;

    private IdentityBrowserHost(WebApplication app, string directory, Uri origin)
    {
        _app = app;
        _directory = directory;
        Origin = origin;
    }

    /// <summary>The page's and the API's origin, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public Uri Origin { get; }

    /// <summary>Starts the host on <paramref name="time"/>, with a fresh Identity database and session store.</summary>
    public static async Task<IdentityBrowserHost> StartAsync(TimeProvider time)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sesame-browser-identity", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(IdentityBrowserHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Development",
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(time);
        builder.Services.AddDbContext<BrowserIdentityDb>(db => db.UseSqlite("Data Source=" + Path.Combine(directory, "identity.db")));
        builder.Services.AddIdentityCore<IdentityUser>()
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<BrowserIdentityDb>()
            .AddSesameSessions();
        // Test speed only: Identity's default of 100,000 PBKDF2 iterations costs ~0.1 s per password check on these machines.
        builder.Services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000);
        builder.Services.AddSesame(o => o.DatabasePath = Path.Combine(directory, "sesame.db"));

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapSesame();
        app.MapSesameIdentityApi<IdentityUser>();
        app.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"));
        app.MapGet("/assets/supertokens.js", () => Results.File(BrowserAssets.ClientBundle, "text/javascript"));
        app.MapGet("/api/me", async (HttpContext http, UserManager<IdentityUser> users) =>
            (await users.GetUserAsync(http.User))?.Email ?? "no user").RequireAuthorization();
        app.MapGet("/api/admin", [Authorize(Roles = "admin")] () => "admin ok");

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<BrowserIdentityDb>().Database.EnsureCreatedAsync();
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new IdentityBrowserHost(app, directory, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>Runs <paramref name="action"/> with a scoped <see cref="UserManager{TUser}"/> and <see cref="RoleManager{TRole}"/>, as app code would.</summary>
    public async Task WithUsersAsync(Func<UserManager<IdentityUser>, RoleManager<IdentityRole>, Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        await using var scope = _app.Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>(),
            scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open is left to the temporary directory's cleanup
        }
    }
}
