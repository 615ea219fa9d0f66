using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Identity;

namespace Sesame.Benchmarks.Identity.Server;

/// <summary>Which way the Identity app gives out tokens.</summary>
internal enum IdentityBenchMode
{
    /// <summary><c>AddIdentityCore().AddSesameSessions()</c> + <c>MapSesame()</c> + <c>MapSesameIdentityApi()</c> (docs/identity.md).</summary>
    Sesame,

    /// <summary><c>AddIdentityApiEndpoints()</c> + <c>MapIdentityApi()</c>: Identity's own bearer tokens and <c>POST /refresh</c>.</summary>
    IdentityApi,
}

/// <summary>The Identity database: Identity's own EF Core model.</summary>
internal sealed class BenchIdentityDb(DbContextOptions<BenchIdentityDb> options) : IdentityDbContext<IdentityUser>(options);

/// <summary>
/// Builds one mode's app. Both modes share everything but the token scheme: Identity on EF Core over a SQLite file (default Identity
/// options, the production password hasher), the same <c>GET /api/me</c> answering the user id from the principal (no database read),
/// Data Protection keys in the run's folder.
/// </summary>
internal static class IdentityBenchApp
{
    /// <summary>The origin the Sesame mode names as its API (Production requires it), as the other benchmark servers do.</summary>
    private const string ApiOrigin = "http://127.0.0.1";

    public static WebApplication Build(IdentityBenchMode mode, string directory, Action<WebApplicationBuilder> configure)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        configure(builder);
        builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(directory, "keys")))
            .SetApplicationName("Sesame.Benchmarks.Identity.Server");
        builder.Services.AddDbContext<BenchIdentityDb>(db => db.UseSqlite("Data Source=" + Path.Combine(directory, "identity.db")));
        switch (mode)
        {
            case IdentityBenchMode.Sesame:
                builder.Services.AddIdentityCore<IdentityUser>().AddEntityFrameworkStores<BenchIdentityDb>().AddSesameSessions();
                builder.Services.AddSesame(options =>
                {
                    options.DatabasePath = Path.Combine(directory, "sesame.db");
                    options.ApiDomain = ApiOrigin;
                });
                break;
            case IdentityBenchMode.IdentityApi:
                builder.Services.AddIdentityApiEndpoints<IdentityUser>().AddEntityFrameworkStores<BenchIdentityDb>();
                builder.Services.AddAuthorization();
                break;
        }

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        if (mode == IdentityBenchMode.Sesame)
        {
            app.MapSesame();
            app.MapSesameIdentityApi<IdentityUser>();
            // Sesame's principal carries the user id as "sub" (AddSesameSessions makes it Identity's user id claim type).
            app.MapGet("/api/me", static (HttpContext context) => context.User.FindFirst("sub")!.Value).RequireAuthorization();
        }
        else
        {
            app.MapIdentityApi<IdentityUser>();
            app.MapGet("/api/me", static (HttpContext context) => context.User.FindFirst(ClaimTypes.NameIdentifier)!.Value).RequireAuthorization();
        }

        return app;
    }
}
